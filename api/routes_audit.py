"""REST for auditors: the audit export (streamed) and the public key that verifies it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import iterate_in_threadpool, run_in_threadpool

from api.logs import request_id_var
from services.audit_review import AuditorService
from services.errors import Forbidden
from services.principal import Principal
from services.refusals import NotPermitted

EXPORT_MEDIA_TYPE = "application/x-ndjson"
PEM_MEDIA_TYPE = "application/x-pem-file"


def audit_router(
    auditor: AuditorService, authenticate: Callable[[str | None], Principal]
) -> APIRouter:
    router = APIRouter(prefix="/audit", tags=["audit"])

    @router.get("/public-key")
    async def get_public_key() -> Response:
        # Public by nature: anyone holding an export may check who signed it.
        return Response(auditor.public_key_pem(), media_type=PEM_MEDIA_TYPE)

    @router.get("/export")
    async def get_export(request: Request) -> StreamingResponse:
        principal = await run_in_threadpool(authenticate, request.headers.get("authorization"))
        sealed = await run_in_threadpool(
            auditor.record_export, principal, request_id=request_id_var.get()
        )
        if isinstance(sealed, NotPermitted):
            raise Forbidden(sealed.message)
        # Lines are produced page by page as the client reads, so memory stays flat however
        # long the chain; the format is the one `python -m protection.verify` reads. The
        # export stops at the checkpoint just signed over its own record, so events appended
        # while it streams never follow its last signature.
        return StreamingResponse(
            iterate_in_threadpool(auditor.export_lines(through=sealed)),
            media_type=EXPORT_MEDIA_TYPE,
            headers={"content-disposition": 'attachment; filename="hub-audit-export.jsonl"'},
        )

    return router
