"""The audit app has no pages: the audit log page is in apps.agencies, above audit.

Empty only because pyproject.toml's `views-audit` contract still names this module (import
linter refuses a contract on a missing module); delete it with that contract."""
