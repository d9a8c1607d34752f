"""Migration operations shared by the apps."""

from django.db.migrations.operations import AddIndex, RunSQL


class AddIndexConcurrently(AddIndex):
    """Add an index without locking writes on PostgreSQL (CREATE INDEX CONCURRENTLY), where
    tables are big; a plain CREATE INDEX elsewhere. The migration must be `atomic = False`."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # noqa: ARG002 - Django's signature
        model = to_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.add_index(model, self.index, concurrently=True)
        else:
            schema_editor.add_index(model, self.index)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # noqa: ARG002 - Django's signature
        model = from_state.apps.get_model(app_label, self.model_name)
        if not self.allow_migrate_model(schema_editor.connection.alias, model):
            return
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.remove_index(model, self.index, concurrently=True)
        else:
            schema_editor.remove_index(model, self.index)

    def describe(self):
        return super().describe() + " (concurrently on PostgreSQL)"


class RunSQLOnPostgreSQL(RunSQL):
    """SQL that only PostgreSQL has (extensions, exclusion constraints); a no-op elsewhere,
    where the service layer carries the guarantee instead."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
