using DataGuard.Postgres.Retention;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Export.Coverage;

/// <summary>Retention uses the subject data map for subject holds: a held customer's payments, in partitions whose foreign keys are on some partitions only, are kept.</summary>
public sealed class PagilaHoldTests
{
    [Fact]
    public async Task A_subject_hold_keeps_the_subjects_payments_in_every_partition_from_retention()
    {
        await using var harness = await ExportHarness.CreateAsync(
            schema: PagilaFixture.Schema,
            configure: o => (o.Subject.Table, o.Subject.Key) = ("public.customer", "customer_id"),
            more: services => services.Configure<RetentionOptions>(o => o.Policies.Add(
                new RetentionPolicyOptions { Name = "payments", Table = "public.payment", TimestampColumn = "payment_date", MaxAge = TimeSpan.FromDays(30) })));
        var held = await CoverageCheck.OracleAsync(harness, "SELECT payment_id FROM public.payment WHERE customer_id = 1");
        Assert.Equal(60, held.Count);
        await harness.Services.GetRequiredService<LegalHolds>().PlaceSubjectAsync("1", "subject access dispute");

        var result = Assert.Single((await harness.Services.GetRequiredService<RetentionRunner>().RunAsync())!.Results);

        Assert.Equal(held, await CoverageCheck.OracleAsync(harness, "SELECT payment_id FROM public.payment"));
        Assert.Equal((240L, 60L), (result.RowsAffected, result.RowsHeld));
        Assert.True(await CoverageCheck.CountAsync(harness, "SELECT count(*) FROM public.payment_p2022_07") > 0);
    }
}
