"""The FastAPI app, made by a factory from settings read at start-up (no import-time globals)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from taxmatch import __version__, runtime
from taxmatch.api import errors
from taxmatch.api.routes import batches, calls, health, ledger, protected, retractions, reviews, ui
from taxmatch.api.throttle import Throttle
from taxmatch.api.uploads import CompleteMultipart
from taxmatch.pipeline.calls import Verifier
from taxmatch.pipeline.context import Context
from taxmatch.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    runtime.arrow_allocator()
    # Swagger UI and ReDoc from the package's own files: /docs works on a machine with no internet.
    app = FastAPIOffline(
        title="taxmatch",
        summary="Answers a requesting agency's batches only within IRC 6103(i)(2) and the agreement.",
        version=__version__,
        responses=errors.DOCUMENTED,
    )
    ctx = Context.open(settings)
    app.state.settings = settings
    app.state.context = ctx
    errors.install(app)
    app.add_middleware(CompleteMultipart)
    app.state.verifier = Verifier(ctx.layout, ctx.budget)
    app.state.throttle = Throttle(settings.verify_calls_per_minute)
    app.state.failures = Throttle(settings.failed_logins_per_minute)
    for router in (
        health.router,
        batches.router,
        ledger.router,
        reviews.router,
        calls.router,
        protected.router,
        retractions.router,
        ui.router,
    ):
        app.include_router(router)
    return app
