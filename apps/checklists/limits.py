"""The checklists' business limits, in one place: models, forms, serializers and services
import them, so a limit changes once (a model length change still needs its migration)."""

# Evidence shown in the engagement's feed: the link, or the start of the note.
ACTIVITY_EVIDENCE_PREVIEW_LENGTH = 200

# Items one bulk change may touch: a whole checklist (165 to 190 items) with room to spare.
BULK_MAX_ITEMS = 500
