using Microsoft.Extensions.Options;

namespace DataGuard.S3;

/// <summary>Checks <see cref="S3StorageOptions"/> at start-up when S3 is the selected storage; messages name the option path.</summary>
internal sealed class S3StorageOptionsValidator(IOptions<DataGuard.Storage.StorageOptions> storage) : IValidateOptions<S3StorageOptions>
{
    private static readonly string[] Encryptions = ["AES256", "aws:kms"];

    public ValidateOptionsResult Validate(string? name, S3StorageOptions options)
    {
        string? provider;
        try
        {
            provider = storage.Value.Provider;
        }
        catch (OptionsValidationException)
        {
            return ValidateOptionsResult.Skip;   // the storage options' own validator reports what is wrong with them
        }

        if (!string.IsNullOrEmpty(provider) && !string.Equals(provider, S3StorageOptions.ProviderName, StringComparison.OrdinalIgnoreCase))
        {
            return ValidateOptionsResult.Skip;
        }

        const string path = S3StorageOptions.SectionPath;
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Bucket))
        {
            failures.Add($"{path}:Bucket is required.");
        }

        if (!string.IsNullOrEmpty(options.ServiceUrl)
            && (!Uri.TryCreate(options.ServiceUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            failures.Add($"{path}:ServiceUrl '{options.ServiceUrl}' must be an absolute http:// or https:// URL.");
        }

        if (string.IsNullOrEmpty(options.AccessKeyId) != string.IsNullOrEmpty(options.SecretAccessKey))
        {
            failures.Add($"{path}:AccessKeyId and {path}:SecretAccessKey must be set together (or both left empty for the AWS credential chain).");
        }

        if (options.PartSize < S3StorageOptions.MinimumPartSize)
        {
            failures.Add($"{path}:PartSize must be at least {S3StorageOptions.MinimumPartSize} bytes (5 MiB), the smallest part S3 accepts (is {options.PartSize}).");
        }

        if (options.MaxConcurrentParts is < 1 or > 64)
        {
            failures.Add($"{path}:MaxConcurrentParts must be between 1 and 64 (is {options.MaxConcurrentParts}).");
        }

        if (!string.IsNullOrEmpty(options.ServerSideEncryption) && !Encryptions.Contains(options.ServerSideEncryption, StringComparer.Ordinal))
        {
            failures.Add($"{path}:ServerSideEncryption must be empty, AES256 or aws:kms (is '{options.ServerSideEncryption}').");
        }

        if (!string.IsNullOrEmpty(options.KmsKeyId) && options.ServerSideEncryption != "aws:kms")
        {
            failures.Add($"{path}:KmsKeyId is set but {path}:ServerSideEncryption is not aws:kms.");
        }

        if (options.MaxRetries is < 0 or > 20)
        {
            failures.Add($"{path}:MaxRetries must be between 0 and 20 (is {options.MaxRetries}).");
        }

        if (options.RequestTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{path}:RequestTimeout must be positive.");
        }

        if (!string.IsNullOrEmpty(options.Prefix))
        {
            try
            {
                Storage.StorageKeys.ValidatePrefix(options.Prefix.Trim('/') + "/");
            }
            catch (Storage.InvalidStorageKeyException ex)
            {
                failures.Add($"{path}:Prefix: {ex.Message}");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
