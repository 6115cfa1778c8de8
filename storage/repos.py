"""All repositories over one database, handed to the dialogue as one object."""

from __future__ import annotations

from dataclasses import dataclass

from storage.accounts import AccountRepo
from storage.broadcasts import BroadcastRepo
from storage.campaigns import CampaignRepo
from storage.database import Database
from storage.inbox import InboxRepo
from storage.invites import InviteRepo
from storage.org import OrgRepo
from storage.outbox import OutboxRepo
from storage.ratings import RatingRepo
from storage.reviews import ReviewRepo
from storage.secretaries import SecretaryRepo
from storage.settings import SettingsRepo
from storage.votes import VoteRepo


@dataclass(frozen=True)
class Repos:
    db: Database
    org: OrgRepo
    accounts: AccountRepo
    invites: InviteRepo
    settings: SettingsRepo
    reviews: ReviewRepo
    outbox: OutboxRepo
    secretaries: SecretaryRepo
    campaigns: CampaignRepo
    broadcasts: BroadcastRepo
    inbox: InboxRepo
    ratings: RatingRepo
    votes: VoteRepo

    @classmethod
    def of(cls, db: Database) -> Repos:
        return cls(
            db, OrgRepo(db), AccountRepo(db), InviteRepo(db), SettingsRepo(db), ReviewRepo(db),
            OutboxRepo(db), SecretaryRepo(db), CampaignRepo(db), BroadcastRepo(db),
            InboxRepo(db), RatingRepo(db), VoteRepo(db),
        )
