using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace DataGuard.Supabase;

/// <summary>Checks <see cref="SupabaseOptions"/> at start-up; messages name the option path and never echo a token or key.</summary>
internal sealed partial class SupabaseOptionsValidator : IValidateOptions<SupabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, SupabaseOptions options)
    {
        const string path = SupabaseOptions.SectionPath;
        var failures = new List<string>();
        if (!string.IsNullOrEmpty(options.ProjectRef) && !ProjectRefPattern().IsMatch(options.ProjectRef))
        {
            failures.Add($"{path}:ProjectRef '{options.ProjectRef}' is not a project reference (20 lower-case letters, as in https://<ref>.supabase.co).");
        }

        if (!string.IsNullOrEmpty(options.AccessToken) && string.IsNullOrEmpty(options.ProjectRef))
        {
            failures.Add($"{path}:AccessToken is set but {path}:ProjectRef is not: the Management API needs the project.");
        }

        if (!IsHttpUrl(options.ManagementApiUrl))
        {
            failures.Add($"{path}:ManagementApiUrl '{options.ManagementApiUrl}' must be an absolute http:// or https:// URL.");
        }

        if (options.ManagementApiTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{path}:ManagementApiTimeout must be positive.");
        }

        if (options.MaxRateLimitRetries is < 0 or > 10)
        {
            failures.Add($"{path}:MaxRateLimitRetries must be between 0 and 10 (is {options.MaxRateLimitRetries}).");
        }

        if (options.PlatformBackupRpo <= TimeSpan.Zero)
        {
            failures.Add($"{path}:PlatformBackupRpo must be positive.");
        }

        var storage = options.Storage;
        if (!string.IsNullOrEmpty(storage.Endpoint))
        {
            if (!IsHttpUrl(storage.Endpoint))
            {
                failures.Add($"{path}:Storage:Endpoint '{storage.Endpoint}' must be an absolute http:// or https:// URL (https://<ref>.storage.supabase.co/storage/v1/s3).");
            }

            if (string.IsNullOrEmpty(storage.AccessKeyId) || string.IsNullOrEmpty(storage.SecretAccessKey))
            {
                failures.Add($"{path}:Storage:AccessKeyId and {path}:Storage:SecretAccessKey are required with {path}:Storage:Endpoint (Dashboard, Storage, S3 connection).");
            }
        }

        if (!string.IsNullOrEmpty(storage.RestUrl))
        {
            if (!IsHttpUrl(storage.RestUrl))
            {
                failures.Add($"{path}:Storage:RestUrl '{storage.RestUrl}' must be an absolute http:// or https:// URL (https://<ref>.supabase.co/storage/v1).");
            }

            if (string.IsNullOrEmpty(storage.ServiceKey))
            {
                failures.Add($"{path}:Storage:ServiceKey is required with {path}:Storage:RestUrl.");
            }
        }

        var badBuckets = storage.Buckets.Where(b => string.IsNullOrWhiteSpace(b) || b.Contains('/', StringComparison.Ordinal)).ToList();
        if (badBuckets.Count > 0)
        {
            failures.Add($"{path}:Storage:Buckets holds names that are not bucket names: {string.Join(", ", badBuckets.Select(b => $"'{b}'"))}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    [GeneratedRegex("^[a-z]{20}$")]
    private static partial Regex ProjectRefPattern();
}
