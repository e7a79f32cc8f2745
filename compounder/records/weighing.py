"""The names ``compounder.ui`` imports from here until its reorganisation lands; they are defined in
``compounder.records.station`` (the weighing station's records), which everything else imports."""

from compounder.records.station import confirm_by_hand, confirm_scan, events, record_reading, record_typed

__all__ = ["confirm_by_hand", "confirm_scan", "events", "record_reading", "record_typed"]
