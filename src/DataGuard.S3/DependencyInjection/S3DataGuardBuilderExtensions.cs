using Microsoft.Extensions.Configuration;
using Amazon.S3;
using DataGuard.S3;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DataGuard.DependencyInjection;

/// <summary>Adds S3 storage to DataGuard.</summary>
public static class S3DataGuardBuilderExtensions
{
    /// <summary>
    /// Adds S3 (or S3-compatible) storage with options from <c>DataGuard:Storage:S3</c>, and makes it the storage used
    /// unless <c>DataGuard:Storage:Provider</c> names another. The <see cref="IAmazonS3"/> client is the host's when it
    /// registered one, else one built once from the options. Idempotent.
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <param name="configure">Changes the options after configuration was bound.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddS3Storage(this IDataGuardBuilder builder, Action<S3StorageOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddDataGuardOptions<S3StorageOptions, S3StorageOptionsValidator>(S3StorageOptions.SectionPath, static (section, options) => section.Bind(options));
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        builder.AddStorageProvider(S3StorageOptions.ProviderName, sp =>
        {
            var options = sp.GetRequiredService<IOptions<S3StorageOptions>>().Value;
            var client = sp.GetService<IAmazonS3>();
            return new S3BackupStorage(
                client ?? S3ClientFactory.Create(options),
                ownsClient: client is null,
                options,
                sp.GetRequiredService<ILogger<S3BackupStorage>>(),
                sp.GetService<TimeProvider>() ?? TimeProvider.System);
        });
        return builder;
    }
}
