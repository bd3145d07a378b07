using DataGuard.Postgres.Export;
using DataGuard.Storage;
using DataGuard.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Export;

/// <summary>
/// An outage whose reason PostgreSQL refused to store (a NUL character: 22021) was queued to be recorded later, and the
/// queue, drained before every pass, threw at every later pass: the worker never built or cleaned anything again
/// (review of the deferred outage records). Reasons are now stored without NUL characters, and an entry PostgreSQL
/// refuses is dropped, not retried forever.
/// </summary>
public sealed class ExportUnrecordedOutageReviewTests
{
    [Fact]
    public async Task An_outage_whose_reason_holds_a_NUL_is_recorded_and_the_worker_goes_on()
    {
        var failures = 1;
        await using var harness = await ExportHarness.CreateAsync(
            configure: o => o.StaleAfter = TimeSpan.FromSeconds(30),
            more: services =>
            {
                var original = services.Last(d => d.ServiceType == typeof(IBackupStorage));
                services.Remove(original);
                services.AddSingleton<IBackupStorage>(sp => new FailingOnce(
                    (IBackupStorage)original.ImplementationFactory!.Invoke(sp),
                    () => Interlocked.Decrement(ref failures) >= 0));
            });
        var jobs = harness.Services.GetRequiredService<ExportJobs>();
        var runner = harness.Services.GetRequiredService<ExportJobRunner>();

        var first = await jobs.RequestExportAsync("1", ["json"]);
        await runner.RunPendingAsync();   // a storage outage whose reason holds a NUL character
        var waiting = (await jobs.GetExportAsync(first.Id))!;
        Assert.Equal("pending", waiting.Status);
        Assert.Contains("bad\uFFFDgateway", waiting.Error, StringComparison.Ordinal);

        var second = await jobs.RequestExportAsync("2", ["json"]);
        var errors = new List<string>();
        for (var pass = 0; pass < 3; pass++)
        {
            try
            {
                await runner.RunPendingAsync();
                await runner.CleanupAsync();
            }
            catch (Exception ex)
            {
                errors.Add($"{ex.GetType().Name}: {ex.Message}");
            }
        }

        var after = (await jobs.GetExportAsync(second.Id))!;
        Assert.True(after.Status == "ready", $"a later job is '{after.Status}' after 3 passes; every pass failed: {string.Join(" | ", errors)}; first job: {(await jobs.GetExportAsync(first.Id))!.Status}");
    }

    private sealed class FailingOnce(IBackupStorage inner, Func<bool> fail) : DelegatingStorage(inner)
    {
        public override Task<StorageWriteResult> WriteAsync(string key, Stream content, StorageWriteOptions? options = null, CancellationToken cancellationToken = default) =>
            fail() ? throw new StorageException("storage said: bad\0gateway") { Key = key } : Inner.WriteAsync(key, content, options, cancellationToken);
    }
}
