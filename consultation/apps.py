from django.apps import AppConfig


class ConsultationConfig(AppConfig):
    name = "consultation"
    verbose_name = "Consultations"

    def ready(self):
        # Register the Celery tasks so the eager outbox relay (and workers) can find them by name.
        from consultation import (
            personal_data,
            tasks,  # noqa: F401
        )
        from talklondon import personal_data as registry

        registry.register_exporter(
            "comments",
            personal_data.comments_export,
            covers=(
                "consultation.Comment",
                "consultation.CommentVersion",
                "consultation.CommentLike",
                "consultation.CommentReport",
                "consultation.ModerationAction:subject_user",
                "consultation.ParticipantBlock:user",
            ),
        )
        registry.register_eraser("comments", personal_data.comments_erase)
        registry.register_participation("comments", personal_data.comment_participation)
