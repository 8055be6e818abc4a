"""Celery tasks of the consultation app. They take ids, call services and are idempotent."""

from celery import shared_task

from consultation.services.notifications import (
    block_notification_send,
    moderation_notification_send,
    reply_notification_send,
)


@shared_task(name="consultation.tasks.comment_reply_notify")
def comment_reply_notify(comment_id: int) -> bool:
    return reply_notification_send(comment_id=comment_id)


@shared_task(name="consultation.tasks.comment_moderation_notify")
def comment_moderation_notify(action_id: int) -> bool:
    return moderation_notification_send(action_id=action_id)


@shared_task(name="consultation.tasks.participant_block_notify")
def participant_block_notify(action_id: int) -> bool:
    return block_notification_send(action_id=action_id)
