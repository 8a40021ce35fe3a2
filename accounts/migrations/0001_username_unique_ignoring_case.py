from django.db import migrations


class Migration(migrations.Migration):
    """Usernames are unique whatever their letter case, also when two sign-ups race."""

    dependencies = [("auth", "0012_alter_user_first_name_max_length")]

    operations = [
        migrations.RunSQL(
            "CREATE UNIQUE INDEX accounts_username_ci_unique ON auth_user (UPPER(username))",
            reverse_sql="DROP INDEX accounts_username_ci_unique",
        )
    ]
