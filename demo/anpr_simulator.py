"""A simulated police back end: synthetic returns at London scale, pushed through the real
ingestion API, signed, over HTTP (or through Django's test client when no URL is given, so that
the demo can be seeded offline with exactly the same requests).

About 1,500 TfL and 1,000 Met camera sites read about 15 million plates a day, with weekly and
seasonal patterns; hits, outcomes and searches follow in plausible proportions, and a few small
cells appear that disclosure control must suppress. Deterministic for a given seed.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter

import numpy as np

from anpr_info import registry
from anpr_info.signing import signed_headers

RETURNS_PATH = "/api/ingest/v1/returns/"
CENTRAL = {  # boroughs the Congestion Charge zone touches
    "E09000001",
    "E09000033",
    "E09000007",
    "E09000019",
    "E09000028",
    "E09000022",
    "E09000030",
    "E09000020",
}
SEASON = [0.93, 0.95, 1.0, 1.0, 1.02, 1.02, 1.0, 0.92, 1.02, 1.03, 1.0, 0.94]
WEEKDAY = [1.04, 1.05, 1.05, 1.06, 1.08, 0.92, 0.8]
HIT_SHARE = {
    "stolen": 0.1,
    "wanted_missing": 0.07,
    "no_insurance": 0.36,
    "no_tax_mot": 0.25,
    "local_intelligence": 0.16,
    "other": 0.06,
}


@dataclass(frozen=True)
class Site:
    site_id: str
    owner: str
    zone: str
    area: str
    daily_reads: float


class Simulator:
    def __init__(self, *, seed: int = 2014, scale: float = 1.0):
        self.seed = seed
        self.scale = scale  # fewer sites (for tests); proportions stay the same

    @cached_property
    def sites(self) -> list[Site]:
        rng = np.random.default_rng(self.seed)
        areas = [a.code for a in registry.DIMENSIONS["area"].values]
        weights = np.array([0.3 if a == registry.CITY_OF_LONDON else 1.0 for a in areas])
        central = [a for a in areas if a in CENTRAL]
        plan = [("tfl_ruc", 1500), ("met_fixed", 850), ("met_mobile", 150), ("other", 40)]
        zone_mix = {
            "tfl_ruc": [0.25, 0.7, 0.05],
            "met_fixed": [0.08, 0.85, 0.07],
            "met_mobile": [0.1, 0.8, 0.1],
            "other": [0.05, 0.8, 0.15],
        }
        sites = []
        number = 0
        for owner, count in plan:
            for _ in range(max(1, round(count * self.scale))):
                number += 1
                zone = rng.choice(["ccz", "lez", "outside"], p=zone_mix[owner])
                if zone == "ccz":
                    area = rng.choice(central)
                else:
                    area = rng.choice(areas, p=weights / weights.sum())
                reads = float(rng.lognormal(mean=8.45, sigma=0.55))
                site_id = "S-" + hashlib.sha256(f"{self.seed}:{number}".encode()).hexdigest()[:8]
                sites.append(Site(site_id, owner, str(zone), str(area), reads))
        return sites

    def month(self, period: str) -> dict[str, list[dict]]:
        """Every monthly return for one month (and quarterly ones when it closes a quarter)."""
        first, last = registry.period_bounds(period)
        days = (last - first).days + 1
        index = first.year * 12 + first.month
        rng = np.random.default_rng([self.seed, index])
        growth = 1 + 0.002 * (index - 2024 * 12)
        season = SEASON[first.month - 1]
        dates = [first + dt.timedelta(days=i) for i in range(days)]
        day_factor = np.array([WEEKDAY[d.weekday()] for d in dates]) * season * growth
        base = np.array([s.daily_reads for s in self.sites])
        reads = base[:, None] * day_factor[None, :] * rng.normal(1, 0.04, (len(base), days))
        mobile = np.array([s.owner == "met_mobile" for s in self.sites])
        offline = rng.random((len(base), days)) < 0.01
        offline |= mobile[:, None] & (rng.random((len(base), days)) < 0.6)
        reads = np.where(offline, 0, np.maximum(reads, 0)).round().astype(np.int64)

        # Site rows as tuples in the dataset's field order (site_id, date, owner, zone, area,
        # reads): building 77,000 dicts would cost more than the ingestion being simulated.
        date_text = [d.isoformat() for d in dates]
        site_rows = [
            (site.site_id, date_text[j], site.owner, site.zone, site.area, value)
            for site, site_reads in zip(self.sites, reads.tolist(), strict=True)
            for j, value in enumerate(site_reads)
        ]

        # Reads per owner and area drive where hits happen.
        by_owner_area: dict[tuple[str, str], float] = {}
        for i, site in enumerate(self.sites):
            key = (site.owner, site.area)
            by_owner_area[key] = by_owner_area.get(key, 0) + float(reads[i].sum())
        total_reads = float(reads.sum())
        hits_total = total_reads * 58e-6 / self.scale
        hits = []
        hits_by_area: dict[str, int] = {}
        for (owner, area), volume in sorted(by_owner_area.items()):
            if area == registry.CITY_OF_LONDON:
                continue  # policed by the City of London Police: not in Met returns
            for category, share in HIT_SHARE.items():
                count = int(rng.poisson(hits_total * volume / total_reads * share))
                hits.append({"owner": owner, "area": area, "category": category, "count": count})
                hits_by_area[area] = hits_by_area.get(area, 0) + count
        outcomes = []
        for area in sorted(hits_by_area):
            n = hits_by_area[area]
            for outcome, rate in (("stop", 0.09), ("arrest", 0.012), ("seized", 0.022)):
                outcomes.append(
                    {"area": area, "outcome": outcome, "count": int(rng.poisson(n * rate))}
                )

        searches = []
        total_searches = 2400 * season * growth
        purposes = {
            "serious_crime": 0.45,
            "other_crime": 0.3,
            "missing_person": 0.12,
            "road_safety": 0.1,
            "counter_terrorism": 0.03,
        }
        for purpose, p_share in purposes.items():
            for age, a_share, senior in (("d0_90", 0.82, 0.1), ("d91_365", 0.18, 0.85)):
                for auth, au_share in (("standard", 1 - senior), ("senior", senior)):
                    expected = total_searches * p_share * a_share * au_share
                    searches.append(
                        {
                            "purpose": purpose,
                            "age_band": age,
                            "authorisation": auth,
                            "count": int(rng.poisson(expected)),
                        }
                    )
        kept = {
            "investigation": int(rng.poisson(420)),
            "court": int(rng.poisson(130)),
            "national_security": int(rng.poisson(18)),
            "other": int(rng.poisson(6)),
        }
        due = int(total_reads * 0.985)
        late = int(rng.poisson(1500))
        returns = {
            "site_reads": site_rows,
            "hits": hits,
            "outcomes": outcomes,
            "searches": searches,
            "retention": [
                {"status": "due", "count": due},
                {"status": "deleted_on_time", "count": due - sum(kept.values()) - late},
            ],
            "retention_kept": [{"reason": r, "count": c} for r, c in kept.items()],
        }
        if quarter := registry.quarter_of_month(period):
            returns.update(self.quarter(quarter, rng))
        return returns

    def quarter(self, quarter: str, rng) -> dict[str, list[dict]]:
        def poisson(mean):
            return int(rng.poisson(mean))

        return {
            "audit": [
                {"audit_result": "audited", "count": poisson(650)},
                {"audit_result": "non_compliant", "count": poisson(22)},
                {"audit_result": "referred", "count": poisson(3)},
            ],
            "staff_access": [
                {"access_tier": "operator", "count": poisson(1200)},
                {"access_tier": "investigator", "count": poisson(380)},
                {"access_tier": "administrator", "count": poisson(12)},
            ],
            "subject_rights": [
                {"request": "received", "count": poisson(45)},
                {"request": "completed", "count": poisson(40)},
                {"request": "refused", "count": poisson(6)},
                {"request": "complaints", "count": poisson(4)},
            ],
            "disclosures": [
                {"agency": "other_police", "count": poisson(320)},
                {"agency": "nca", "count": poisson(70)},
                {"agency": "security_services", "count": poisson(25)},
                {"agency": "other_public", "count": poisson(12)},
                {"agency": "overseas", "count": poisson(5)},
            ],
        }


def return_body(
    dataset: str, period: str, rows: list[dict], *, reason: str = "", as_csv: bool | None = None
):
    """(path, content type, body bytes) for one return; large returns go as CSV."""
    as_csv = dataset == "site_reads" if as_csv is None else as_csv
    # A reason is free text: it travels in the body, never in the URL (access logs keep URLs).
    if as_csv and not reason:
        fields = list(registry.DATASETS[dataset].fields)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(fields)
        if rows and isinstance(rows[0], dict):
            getter = itemgetter(*fields)
            rows = (getter(row) for row in rows)
        writer.writerows(rows)
        query = f"?dataset={dataset}&period={period}"
        return RETURNS_PATH + query, "text/csv", buffer.getvalue().encode()
    fields = registry.DATASETS[dataset].fields
    rows = [row if isinstance(row, dict) else dict(zip(fields, row, strict=True)) for row in rows]
    document = {"dataset": dataset, "period": period, "rows": rows}
    if reason:
        document["reason"] = reason
    return RETURNS_PATH, "application/json", json.dumps(document, separators=(",", ":")).encode()


class Pusher:
    """Sends signed returns: over HTTP to `url`, or through Django's test client."""

    def __init__(self, *, key: str, url: str = ""):
        self.key = key
        self.url = url.rstrip("/")
        self._client = None

    def send(self, path: str, content_type: str, body: bytes) -> tuple[int, dict]:
        idempotency = hashlib.sha256(path.encode() + body).hexdigest()[:32]
        headers = signed_headers(
            key=self.key,
            timestamp=int(time.time()),
            method="POST",
            path=path,
            body=body,
            idempotency_key=idempotency,
        )
        headers["Content-Type"] = content_type
        if self.url:
            target = self.url + path
            if not target.startswith(("http://", "https://")):
                raise ValueError("The URL must start with http:// or https://")
            request = urllib.request.Request(target, data=body, headers=headers, method="POST")  # noqa: S310
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                    return response.status, json.loads(response.read() or b"{}")
            except urllib.error.HTTPError as error:
                return error.code, json.loads(error.read() or b"{}")
        return self._local(path, content_type, body, headers)

    def _local(self, path, content_type, body, headers):
        from django.conf import settings
        from django.test import Client

        if self._client is None:
            hosts = [h for h in settings.ALLOWED_HOSTS if h and not h.startswith(".") and h != "*"]
            self._client = Client(SERVER_NAME=hosts[0] if hosts else "localhost")
        extra = {k: v for k, v in headers.items() if k != "Content-Type"}
        response = self._client.post(
            path, data=body, content_type=content_type, headers=extra, secure=True
        )
        return response.status_code, json.loads(response.content or b"{}")


def months_back(count: int, *, today: dt.date | None = None) -> list[str]:
    """The `count` complete months before today, oldest first."""
    today = today or dt.date.today()
    index = today.year * 12 + today.month - 1
    return [
        f"{(i - 1) // 12:04d}-{(i - 1) % 12 + 1:02d}" for i in range(index - count + 1, index + 1)
    ]


def feed_push(
    *, pusher: Pusher, months: list[str], simulator: Simulator | None = None, log=None
) -> list[tuple[str, str, int]]:
    """Generate and send every return for these months. Returns (dataset, period, status)."""
    simulator = simulator or Simulator()
    results = []
    for month in months:
        for dataset, rows in simulator.month(month).items():
            period = (
                month
                if registry.DATASETS[dataset].grain == "month"
                else registry.quarter_of_month(month)
            )
            status, body = pusher.send(*return_body(dataset, period, rows))
            results.append((dataset, period, status))
            if log:
                detail = (
                    f"revision {body.get('revision')}" if status == 201 else body.get("title", "")
                )
                log(f"{dataset:15} {period:8} {status} {detail}")
    return results
