from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('kpis', '0002_service_level_snapshot'),
    ]

    operations = [
        migrations.AddField(
            model_name='accountanalysis',
            name='churn_risk',
            field=models.FloatField(blank=True, null=True, verbose_name='churn risk'),
        ),
        migrations.AddField(
            model_name='accountanalysis',
            name='clv',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=20, null=True, verbose_name='customer lifetime value'),
        ),
        migrations.AddField(
            model_name='accountanalysis',
            name='declining',
            field=models.BooleanField(blank=True, help_text="Probability still buying below the policy's threshold.", null=True, verbose_name='declining'),
        ),
        migrations.AddField(
            model_name='accountanalysis',
            name='expected_margin_per_purchase',
            field=models.DecimalField(blank=True, decimal_places=2, max_digits=20, null=True, verbose_name='expected margin per purchase'),
        ),
        migrations.AddField(
            model_name='accountanalysis',
            name='expected_purchases_12m',
            field=models.FloatField(blank=True, null=True, verbose_name='expected purchases, next 12 months'),
        ),
        migrations.AddField(
            model_name='accountanalysis',
            name='margin_share',
            field=models.FloatField(blank=True, help_text='Margin lost if the account left.', null=True, verbose_name='share of the total margin'),
        ),
        migrations.AddField(
            model_name='accountanalysis',
            name='probability_alive',
            field=models.FloatField(blank=True, null=True, verbose_name='probability still buying'),
        ),
        migrations.AddField(
            model_name='portfolioanalysis',
            name='retention',
            field=models.JSONField(blank=True, default=dict, help_text='Fitted BG/NBD and Gamma-Gamma parameters, warnings and the holdout check by frequency.', verbose_name='retention models'),
        ),
        migrations.AlterField(
            model_name='accountanalysis',
            name='details',
            field=models.JSONField(blank=True, default=dict, help_text='Cost by activity, monthly revenue, purchase summary.', verbose_name='details'),
        ),
    ]
