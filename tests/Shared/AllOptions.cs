using DataGuard.Backup;
using DataGuard.Configuration;
using DataGuard.DependencyInjection;
using DataGuard.Pitr;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.Testing;

/// <summary>
/// The core's options side by side, for tests that set several at once: each feature's options are their own
/// (<c>services.Configure&lt;BackupOptions&gt;</c> ...); this applies one delegate to each of them.
/// </summary>
public sealed class AllOptions(DataGuardOptions root, StorageOptions storage, BackupOptions backup, PitrOptions pitr)
{
    public string TimeZone { get => root.TimeZone; set => root.TimeZone = value; }

    public StorageOptions Storage { get; } = storage;

    public BackupOptions Backup { get; } = backup;

    public PitrOptions Pitr { get; } = pitr;
}

/// <summary>Adds DataGuard with <see cref="AllOptions"/> configured in code.</summary>
public static class AllOptionsExtensions
{
    public static IDataGuardBuilder AddDataGuard(this IServiceCollection services, Action<AllOptions> configure)
    {
        var builder = services.AddDataGuard();
        services.Configure<DataGuardOptions>(o => configure(new AllOptions(o, new(), new(), new())));
        services.Configure<StorageOptions>(o => configure(new AllOptions(new(), o, new(), new())));
        services.Configure<BackupOptions>(o => configure(new AllOptions(new(), new(), o, new())));
        services.Configure<PitrOptions>(o => configure(new AllOptions(new(), new(), new(), o)));
        return builder;
    }
}
