"""JSON problem details (RFC 9457) for every API error."""

from rest_framework.views import exception_handler


def problem_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    title = getattr(exc, "default_detail", "Error")
    problem = {
        "type": "about:blank",
        "title": str(title),
        "status": response.status_code,
    }
    if isinstance(detail, dict) and set(detail) == {"detail"}:
        problem["detail"] = str(detail["detail"])
    else:
        problem["detail"] = "The request was not valid."
        problem["errors"] = detail
    response.data = problem
    # DRF picks the header from `content_type` when it renders; setting the header would be lost.
    response.content_type = "application/problem+json"
    return response
