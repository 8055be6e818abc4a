"""Demo statements for the ANPR consultation: about 40 statements and 600 synthetic voters.

The voters are drawn from three latent opinion profiles, so the demo shows distinct groups and
real common ground:

- "crime first": police access to the cameras makes London safer and should be broad;
- "privacy first": recording everyone's journeys is surveillance and should be resisted;
- "conditional support": yes, but only with strict limits, oversight and short retention.

Each statement has a stance per profile (agree, disagree or split); a voter of a profile votes
with that stance most of the time, and sees a random subset of the statements. Running `seed`
again changes nothing.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from consultation.statements.models import Statement, StatementsActivity, StatementVote
from consultation.statements.services.results import opinion_groups_run

PROFILES = ("crime first", "privacy first", "conditional support with safeguards")
VOTER_COUNT = 600
PROFILE_WEIGHTS = (0.4, 0.3, 0.3)
SEED = 2014
VOTER_EMAIL = "statements-voter-{n:03d}@demo.talk.london"

# (statement, stance of each profile in PROFILES order): "+" agree, "-" disagree, "~" split.
STATEMENTS: list[tuple[str, str]] = [
    # Common ground: every profile agrees.
    ("How often the police search ANPR data should be published regularly.", "+++"),
    ("An independent body should check how the police use ANPR data.", "+++"),
    ("ANPR data should never be sold or passed to private companies.", "+++"),
    ("An officer who misuses ANPR data should face disciplinary action.", "+++"),
    ("The rules on who can see ANPR data should be public.", "+++"),
    ("The Met should report each year how often ANPR helped solve a crime.", "+++"),
    # Crime first.
    ("The police should be able to use every TfL camera to fight crime.", "+-~"),
    ("If you have nothing to hide, you have nothing to fear from ANPR.", "+--"),
    ("Catching serious criminals matters more than where innocent drivers went.", "+-~"),
    ("Giving the Met TfL's camera feed would make London safer.", "+-+"),
    ("The cameras are already paid for, so the police should use them.", "+-+"),
    ("Tripling ANPR coverage would help find stolen cars faster.", "+~+"),
    ("ANPR records should be kept for two years so investigators can look back.", "+--"),
    ("Officers should search ANPR data without needing a senior officer's approval.", "+--"),
    ("ANPR helps protect London from terrorism.", "+-+"),
    ("Sharing one camera network is a sensible use of public money.", "+-~"),
    ("I trust the Met to use this data responsibly.", "+-~"),
    ("Victims of crime would benefit from this proposal.", "+-+"),
    ("Tracking uninsured and untaxed vehicles is a good use of these cameras.", "+-+"),
    # Privacy first.
    ("Recording everyone's journeys is mass surveillance.", "-+-"),
    ("The police should need a warrant to search ANPR records.", "-+~"),
    ("The journeys of innocent people should not be stored at all.", "-+-"),
    ("Congestion Charge cameras should only ever be used for charging.", "-+-"),
    ("ANPR data could be used to follow protesters or journalists.", "-+~"),
    ("I would drive differently if I knew the police kept my journeys.", "-+-"),
    ("This proposal goes too far.", "-+-"),
    ("A misread number plate could put an innocent person under suspicion.", "-++"),
    ("Once the data is collected, its use will creep beyond crime.", "-+~"),
    # Conditional support with safeguards.
    ("I would support police access if every search were logged and audited.", "~-+"),
    ("Access should be limited to serious crimes such as murder and kidnapping.", "-++"),
    ("Records of innocent journeys should be deleted within 90 days.", "-++"),
    ("A senior officer should approve every search of past journeys.", "-++"),
    ("The scheme should be reviewed in public after one year.", "~++"),
    ("Alerts for wanted vehicles are fine; trawling through everyone's history is not.", "-++"),
    ("The Information Commissioner should inspect the system every year.", "~++"),
    ("ANPR should not be used for minor offences such as parking.", "-++"),
    ("Access is acceptable only if the data never leaves the UK.", "~~+"),
    ("Londoners should be able to ask whether their car's journeys were searched.", "-++"),
    # Split in every profile.
    ("MOPAC has explained the proposal clearly.", "~~~"),
    ("Road cameras are already everywhere, so this changes little.", "+~~"),
]

CHANCES = {
    "+": (0.85, 0.08, 0.07),  # agree, disagree, pass
    "-": (0.08, 0.85, 0.07),
    "~": (0.4, 0.35, 0.25),
}


def voter_profiles() -> list[int]:
    """The profile (index into PROFILES) of each synthetic voter, in order. Deterministic."""
    rng = random.Random(SEED)
    return [
        rng.choices(range(len(PROFILES)), weights=PROFILE_WEIGHTS)[0] for _ in range(VOTER_COUNT)
    ]


def synthetic_votes(n_statements: int) -> list[list[tuple[int, int]]]:
    """For each voter, [(statement position, vote)], drawn from their profile."""
    rng = random.Random(SEED + 1)
    votes = []
    for profile in voter_profiles():
        seen = rng.sample(range(n_statements), rng.randint(12, n_statements))
        mine = []
        for position in sorted(seen):
            chances = CHANCES[STATEMENTS[position][1][profile]]
            mine.append((position, rng.choices((1, -1, 0), weights=chances)[0]))
        votes.append(mine)
    return votes


def _voters():
    from talklondon.models import User

    emails = [VOTER_EMAIL.format(n=n + 1) for n in range(VOTER_COUNT)]
    existing = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
    unusable = make_password(None)
    User.objects.bulk_create(
        [
            User(email=email, display_name=f"Demo voter {n + 1}", password=unusable)
            for n, email in enumerate(emails)
            if email not in existing
        ],
        batch_size=1000,
    )
    by_email = dict(User.objects.filter(email__in=emails).values_list("email", "pk"))
    return [by_email[email] for email in emails]


@transaction.atomic
def seed(*, stdout, historical: bool = False) -> StatementsActivity | None:
    """The statements activity of the ANPR consultation, its statements, votes and groups."""
    from consultation.models import Consultation
    from demo.accounts import seed_staff
    from demo.consultation import SLUG
    from talklondon.models import User

    consultation = Consultation.objects.filter(slug=SLUG).first()
    if consultation is None:
        stdout.write("No ANPR consultation to add statements to.")
        return None
    activity, _ = StatementsActivity.objects.get_or_create(
        consultation=consultation,
        defaults={
            "introduction": (
                "Should the Met have routine access to the data from TfL's road cameras? "
                "Tell us where you stand on each statement, and add your own."
            ),
            "opens_at": consultation.opens_at,
            "closes_at": consultation.closes_at,
        },
    )
    if activity.statements.exists():
        stdout.write("The statements activity is already seeded.")
        return activity
    manager = User.objects.filter(email="manager@demo.talk.london").first()
    if manager is None:
        seed_staff()
        manager = User.objects.get(email="manager@demo.talk.london")
    start = activity.opens_at
    published = []
    for number, (text, _) in enumerate(STATEMENTS):
        when = start + timedelta(minutes=number)
        published.append(
            Statement(
                activity=activity,
                author=manager,
                origin=Statement.Origin.SEED,
                text=text,
                status=Statement.Status.PUBLISHED,
                created_at=when,
                published_at=when,
            )
        )
    Statement.objects.bulk_create(published)
    published = list(activity.statements.order_by("published_at", "id"))
    # One resident's statement waits for a moderator (it has a phone number in it).
    resident = User.objects.filter(email="resident01@demo.talk.london").first()
    if resident is not None:
        Statement.objects.create(
            activity=activity,
            author=resident,
            origin=Statement.Origin.PARTICIPANT,
            text="Ring me on 07700 900123 and I will tell you where the cameras miss.",
            status=Statement.Status.PENDING,
            held_for="phone",
        )
    voters = _voters()
    end = min(timezone.now(), activity.closes_at)
    span = max((end - start).total_seconds(), 60)
    rng = random.Random(SEED + 2)
    rows = []
    for voter_id, votes in zip(voters, synthetic_votes(len(published)), strict=True):
        when = start + timedelta(seconds=span * rng.random())
        for position, value in votes:
            rows.append(
                StatementVote(
                    statement=published[position],
                    activity=activity,
                    voter_id=voter_id,
                    choice=value,
                    created_at=when,
                    updated_at=when,
                )
            )
    StatementVote.objects.bulk_create(rows, batch_size=5000)
    result = opinion_groups_run(activity_id=activity.pk)
    stdout.write(
        f"Statements: {len(published)} statements, {len(voters)} synthetic voters, "
        f"{len(rows)} votes, {result.group_count} opinion groups, "
        f"{len(result.payload['common_ground'])} common-ground statements."
    )
    return activity
