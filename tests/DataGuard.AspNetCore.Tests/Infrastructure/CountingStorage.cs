using System.Collections.Concurrent;
using DataGuard.Storage;
using DataGuard.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.AspNetCore.Tests.Infrastructure;

/// <summary>Wraps the host's real storage and counts the listings per prefix (everything else passes straight through).</summary>
internal sealed class CountingStorage(IBackupStorage inner) : DelegatingStorage(inner)
{
    public ConcurrentQueue<string> Listings { get; } = new();

    /// <summary>Replaces the host's <see cref="IBackupStorage"/> with a counting wrapper around it.</summary>
    public static void Decorate(IServiceCollection services)
    {
        var original = services.Last(d => d.ServiceType == typeof(IBackupStorage));
        services.Remove(original);
        services.AddSingleton(sp => new CountingStorage(
            original.ImplementationInstance as IBackupStorage
            ?? original.ImplementationFactory?.Invoke(sp) as IBackupStorage
            ?? (IBackupStorage)ActivatorUtilities.CreateInstance(sp, original.ImplementationType!)));
        services.AddSingleton<IBackupStorage>(sp => sp.GetRequiredService<CountingStorage>());
    }

    public int CountOf(string prefix) => Listings.Count(p => p.StartsWith(prefix, StringComparison.Ordinal));

    public override IAsyncEnumerable<StorageObjectInfo> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        Listings.Enqueue(prefix);
        return Inner.ListAsync(prefix, cancellationToken);
    }

}
