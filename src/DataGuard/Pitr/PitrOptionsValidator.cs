using DataGuard.Scheduling;
using Microsoft.Extensions.Options;

namespace DataGuard.Pitr;

/// <summary>Checks <see cref="PitrOptions"/> at start-up; every message names the option's configuration path.</summary>
internal sealed class PitrOptionsValidator : IValidateOptions<PitrOptions>
{
    public ValidateOptionsResult Validate(string? name, PitrOptions options)
    {
        var failures = new List<string>();
        ValidatePitr(options, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidatePitr(PitrOptions pitr, List<string> failures)
    {
        const string path = PitrOptions.SectionPath;
        if (pitr.WindowDays < 1)
        {
            failures.Add($"{path}:WindowDays must be at least 1 (is {pitr.WindowDays}).");
        }

        if (pitr.MaxArchiveLag <= TimeSpan.Zero)
        {
            failures.Add($"{path}:MaxArchiveLag must be positive.");
        }

        var size = pitr.WalSegmentSize;
        if (size < 1024 * 1024 || size > 1024L * 1024 * 1024 || (size & (size - 1)) != 0)
        {
            failures.Add($"{path}:WalSegmentSize must be a power of two between 1 MiB and 1 GiB (is {size}).");
        }

        if (pitr.WalCompressionLevel is < 1 or > 19)
        {
            failures.Add($"{path}:WalCompressionLevel must be between 1 and 19 (is {pitr.WalCompressionLevel}).");
        }

        if (pitr.WalPrefetch is < 0 or > 1024)
        {
            failures.Add($"{path}:WalPrefetch must be between 0 (off) and 1024 segments (is {pitr.WalPrefetch}).");
        }

        if (pitr.WalPrefetchConcurrency is < 1 or > 64)
        {
            failures.Add($"{path}:WalPrefetchConcurrency must be between 1 and 64 (is {pitr.WalPrefetchConcurrency}).");
        }

        if (pitr.WalPrefetchIdleTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{path}:WalPrefetchIdleTimeout must be positive.");
        }

        if (pitr.Enabled && !string.IsNullOrWhiteSpace(pitr.BaseBackupSchedule))
        {
            try
            {
                CronSchedule.Parse(pitr.BaseBackupSchedule, "UTC");   // the zone is DataGuard:TimeZone, checked with it
            }
            catch (FormatException ex)
            {
                failures.Add($"{path}:BaseBackupSchedule: {ex.Message}");
            }
        }
    }
}
