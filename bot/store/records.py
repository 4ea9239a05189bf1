"""What a flow's `record:` writes: plain data made by the host's hooks, written here, in the
transaction of the step that finished the flow."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store import assets, champions, initiatives, rounds, support
from bot.store.db import Tx


@dataclass(frozen=True, slots=True)
class ChampionSignUp:
    """A champion's sign-up with the referral code they keep (new, or the one they have)."""

    code: str
    details: champions.SignUp


@dataclass(frozen=True, slots=True)
class SupportRequest:
    """A champion asking our team for support, in their words or a voice note."""

    champion_id: int
    request: object


RecordData = (
    rounds.Submission
    | initiatives.Votes
    | initiatives.Evaluation
    | assets.Nomination
    | ChampionSignUp
    | SupportRequest
)


def write(conn: Tx, participant_id: int, data: RecordData, now: str, locale: str) -> None:
    """Write one record's data for the participant, who gave it in `locale`."""
    if isinstance(data, rounds.Submission):
        rounds.save_submission(conn, participant_id, data, now, locale=locale)
    elif isinstance(data, initiatives.Votes):
        initiatives.save_votes(conn, participant_id, data, now)
    elif isinstance(data, initiatives.Evaluation):
        initiatives.save_evaluation(conn, participant_id, data, now, locale=locale)
    elif isinstance(data, assets.Nomination):
        assets.save(conn, participant_id, data, now)
    elif isinstance(data, SupportRequest):
        support.create(conn, data.champion_id, participant_id, data.request, now)
    else:
        champions.save_signup(conn, participant_id, data.code, data.details, now)
