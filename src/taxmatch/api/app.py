"""The FastAPI app, made by a factory from settings read at start-up (no import-time globals)."""

from __future__ import annotations

from fastapi import FastAPI

from taxmatch import agreement
from taxmatch.api import errors
from taxmatch.api.routes import batches, health, ledger, reviews, ui, verify
from taxmatch.api.throttle import Throttle
from taxmatch.api.uploads import CompleteMultipart
from taxmatch.db.schema import connect
from taxmatch.pipeline.calls import Verifier
from taxmatch.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="taxmatch",
        summary="Answers a requesting agency's batches only within IRC 6103(i)(2) and the agreement.",
        version="0.1.0",
    )
    app.state.settings = settings
    app.state.engine = connect(settings.store_path, settings.database_url)
    app.state.agreement = agreement.load()
    errors.install(app)
    app.add_middleware(CompleteMultipart)
    app.state.verifier = Verifier(settings.store_path)
    app.state.throttle = Throttle(settings.verify_calls_per_minute)
    for router in (health.router, batches.router, ledger.router, reviews.router, verify.router, ui.router):
        app.include_router(router)
    return app
