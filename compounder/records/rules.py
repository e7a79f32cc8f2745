"""The names ``compounder.ui`` imports from here until its reorganisation lands; they are defined in
``compounder.records.policy`` (what the records allow), which everything else imports."""

from compounder.records.policy import (
    MIN_PASSWORD,
    Actor,
    PermissionRefused,
    RecordError,
    Role,
    Status,
    check_new_password,
    check_reason,
    may_decide_finding,
    may_manage_users,
    parse_weight,
)

__all__ = [
    "MIN_PASSWORD", "Actor", "PermissionRefused", "RecordError", "Role", "Status", "check_new_password", "check_reason",
    "may_decide_finding", "may_manage_users", "parse_weight",
]
