using DataGuard.Backup;
using DataGuard.Pitr;
using DataGuard.Storage;
using DataGuard.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace DataGuard.Tests.Pitr;

/// <summary>A WAL archive in a local folder, as the unit tests of the archivers use it.</summary>
internal static class LocalWalArchive
{
    /// <summary>Creates a WAL archive whose storage is the folder <paramref name="root"/>.</summary>
    /// <param name="root">The storage folder (created on first write).</param>
    /// <param name="pitr">The PITR options (the WAL level), or the defaults.</param>
    /// <param name="backup">The backup options (compression threads, encryption), or the defaults.</param>
    /// <param name="wrap">Wraps the folder's storage (to fail or change a push), or none.</param>
    /// <returns>The archive.</returns>
    public static WalArchive Create(string root, PitrOptions? pitr = null, BackupOptions? backup = null, Func<IBackupStorage, IBackupStorage>? wrap = null)
    {
        IBackupStorage storage = new FileSystemBackupStorage(new FileSystemStorageOptions { Root = root }, NullLogger<FileSystemBackupStorage>.Instance);
        return new WalArchive(wrap?.Invoke(storage) ?? storage, Options.Create(backup ?? new BackupOptions()), Options.Create(pitr ?? new PitrOptions()), NullLogger<WalArchive>.Instance, new DataGuardMetrics(), TimeProvider.System);
    }
}
