import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('key_accounts', '0002_initial'),
        ('kpis', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='ServiceLevelSnapshot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('as_of', models.DateField(verbose_name='as of')),
                ('group', models.CharField(choices=[('account', 'Account'), ('key', 'Key accounts'), ('other', 'Other accounts'), ('all', 'All accounts')], max_length=16, verbose_name='group')),
                ('is_key_account', models.BooleanField(default=False, verbose_name='key account')),
                ('accounts', models.PositiveIntegerField(blank=True, null=True, verbose_name='accounts')),
                ('days', models.PositiveIntegerField(default=90, verbose_name='days measured')),
                ('cases', models.PositiveIntegerField(blank=True, null=True, verbose_name='cases')),
                ('complaints', models.PositiveIntegerField(blank=True, null=True, verbose_name='complaints')),
                ('complaint_rate', models.FloatField(blank=True, null=True, verbose_name='complaints per 100 orders')),
                ('repeat_complaints', models.PositiveIntegerField(blank=True, null=True, verbose_name='repeat complaints')),
                ('response_hours_median', models.FloatField(blank=True, null=True, verbose_name='first response, median hours')),
                ('response_hours_p90', models.FloatField(blank=True, null=True, verbose_name='first response, 90th percentile hours')),
                ('resolution_hours_median', models.FloatField(blank=True, null=True, verbose_name='resolution, median hours')),
                ('resolution_hours_p90', models.FloatField(blank=True, null=True, verbose_name='resolution, 90th percentile hours')),
                ('clocks_met', models.PositiveIntegerField(blank=True, null=True, verbose_name='service levels met')),
                ('clocks_measured', models.PositiveIntegerField(blank=True, null=True, verbose_name='service levels measured')),
                ('sla_attainment', models.FloatField(blank=True, null=True, verbose_name='service-level attainment')),
                ('touchpoints', models.PositiveIntegerField(blank=True, null=True, verbose_name='touchpoints')),
                ('negative_touchpoints', models.PositiveIntegerField(blank=True, null=True, verbose_name='negative touchpoints')),
                ('negative_share', models.FloatField(blank=True, null=True, verbose_name='share of negative touchpoints')),
                ('orders', models.PositiveIntegerField(blank=True, null=True, verbose_name='orders')),
                ('deliveries', models.PositiveIntegerField(blank=True, null=True, verbose_name='deliveries')),
                ('otif_deliveries', models.PositiveIntegerField(blank=True, null=True, verbose_name='deliveries on time in full')),
                ('otif_rate', models.FloatField(blank=True, null=True, verbose_name='on time in full')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='taken at')),
                ('account', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='service_level_snapshots', to='key_accounts.account', verbose_name='account')),
            ],
            options={
                'verbose_name': 'service-level snapshot',
                'verbose_name_plural': 'service-level snapshots',
                'ordering': ('-as_of', 'group', 'account'),
                'indexes': [models.Index(fields=['account', 'as_of'], name='kpis_service_account_idx')],
                'constraints': [models.UniqueConstraint(fields=('as_of', 'group', 'account'), name='kpis_servicelevelsnapshot_unique_as_of_group_account'), models.UniqueConstraint(condition=models.Q(('account__isnull', True)), fields=('as_of', 'group'), name='kpis_servicelevelsnapshot_unique_as_of_group'), models.CheckConstraint(condition=models.Q(('group__in', ['account', 'key', 'other', 'all'])), name='kpis_servicelevelsnapshot_group_valid'), models.CheckConstraint(condition=models.Q(models.Q(('group', 'account'), ('account__isnull', False)), models.Q(models.Q(('group', 'account'), _negated=True), ('account__isnull', True)), _connector='OR'), name='kpis_servicelevelsnapshot_account_rows_name_an_account')],
            },
        ),
    ]
