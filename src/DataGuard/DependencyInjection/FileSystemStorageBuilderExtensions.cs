using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.DependencyInjection;

/// <summary>Selects the built-in local-disk storage.</summary>
public static class FileSystemStorageBuilderExtensions
{
    /// <summary>
    /// Selects local-disk storage (<c>DataGuard:Storage:Provider = FileSystem</c>) under <paramref name="root"/>,
    /// or under <c>DataGuard:Storage:FileSystem:Root</c> when <paramref name="root"/> is <see langword="null"/>.
    /// </summary>
    /// <param name="builder">The DataGuard builder.</param>
    /// <param name="root">The folder that holds every object.</param>
    /// <returns>The builder.</returns>
    public static IDataGuardBuilder AddFileSystemStorage(this IDataGuardBuilder builder, string? root = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddDataGuard();
        builder.Services.Configure<StorageOptions>(options =>
        {
            options.Provider = StorageOptions.FileSystemProvider;
            if (root is not null)
            {
                options.FileSystem.Root = root;
            }
        });
        return builder;
    }
}
