namespace DataGuard.Coordination;

/// <summary>
/// A lock shared by every replica of the host, so that scheduled work runs in exactly one of them.
/// DataGuard.Postgres provides one on PostgreSQL advisory locks; without it, the lock is local to the process.
/// </summary>
public interface IDistributedLock
{
    /// <summary>Tries to take a lock without waiting.</summary>
    /// <param name="name">The lock's name.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>A handle that releases the lock when disposed, or <see langword="null"/> when another holder has it.</returns>
    Task<IAsyncDisposable?> TryAcquireAsync(string name, CancellationToken cancellationToken = default);
}
