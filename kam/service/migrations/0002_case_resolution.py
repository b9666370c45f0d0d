from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('service', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='servicecase',
            name='resolution',
            field=models.TextField(blank=True, help_text='What was done to resolve the case.', verbose_name='resolution'),
        ),
    ]
