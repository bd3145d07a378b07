namespace DataGuard.Backup;

/// <summary>
/// The record of one backup, stored as <c>backups/&lt;id&gt;/manifest.json</c> after its data: a backup exists only once
/// its manifest does. Holds no secret.
/// </summary>
public sealed record BackupManifest
{
    /// <summary>The version of this manifest's format: 2 adds the <c>mac</c> member (docs/formats.md); 1 is still read.</summary>
    public const int CurrentFormatVersion = 2;

    // Set through init accessors that turn null into empty: System.Text.Json's generated metadata (ManifestJsonContext)
    // assigns every init-only member, null for one the JSON lacks, where reflection kept the initializer
    // (dotnet/runtime#84484); a manifest without these members must not read as null dictionaries.
    private readonly IReadOnlyDictionary<string, string> _toolVersions = new Dictionary<string, string>();
    private readonly IReadOnlyDictionary<string, long> _tableRowCounts = new Dictionary<string, long>();

    /// <summary>Gets the version of the manifest format.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Gets the backup id; ids sort by time, such as <c>20261126T030000Z-logical-3fa9c1</c>.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the kind: <c>logical</c> or <c>physical</c>.</summary>
    public required string Kind { get; init; }

    /// <summary>Gets the provider that made it, such as <c>pg_dump</c>.</summary>
    public required string Provider { get; init; }

    /// <summary>Gets the database backed up.</summary>
    public required string Database { get; init; }

    /// <summary>Gets the server, as <c>host:port</c>.</summary>
    public required string Server { get; init; }

    /// <summary>Gets the server's version.</summary>
    public required string ServerVersion { get; init; }

    /// <summary>Gets the tools used and their versions (never <see langword="null"/>: absent or null reads as empty).</summary>
    public IReadOnlyDictionary<string, string> ToolVersions
    {
        get => _toolVersions;
        init => _toolVersions = value ?? new Dictionary<string, string>();
    }

    /// <summary>Gets when the backup started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when its data was completely stored.</summary>
    public required DateTimeOffset CompletedAt { get; init; }

    /// <summary>Gets the schedule slot the backup was made for, if it was scheduled.</summary>
    public DateTimeOffset? ScheduledFor { get; init; }

    /// <summary>Gets the storage key of the archive.</summary>
    public required string DataKey { get; init; }

    /// <summary>Gets the size of the raw archive (before compression and encryption).</summary>
    public required long RawSize { get; init; }

    /// <summary>Gets the size of the stored object.</summary>
    public required long StoredSize { get; init; }

    /// <summary>Gets the SHA-256 of the stored object, lower-case hexadecimal.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Gets how the archive is compressed.</summary>
    public required BackupCompression Compression { get; init; }

    /// <summary>Gets how the archive is encrypted, or <see langword="null"/> when it is not.</summary>
    public BackupEncryption? Encryption { get; init; }

    /// <summary>Gets the rows per qualified table, counted in the backup's own snapshot (never <see langword="null"/>: absent or null reads as empty).</summary>
    public IReadOnlyDictionary<string, long> TableRowCounts
    {
        get => _tableRowCounts;
        init => _tableRowCounts = value ?? new Dictionary<string, long>();
    }

    /// <summary>
    /// Gets the objects of a parallel backup (<c>DataGuard:Backup:Parallelism</c> above 1: a pg_dump directory whose
    /// every file is stored as an object of its own), or <see langword="null"/> for a single-archive backup. When set,
    /// <see cref="DataKey"/> and <see cref="Sha256"/> name the <c>toc.dat</c> object, and <see cref="RawSize"/> and
    /// <see cref="StoredSize"/> are the sums over all objects.
    /// </summary>
    public IReadOnlyList<BackupObject>? Objects { get; init; }

    /// <summary>Gets the WAL positions of a physical backup; absent for a logical one.</summary>
    public WalPositions? Wal { get; init; }

    /// <summary>Gets the outcome of the newest verification, or <see langword="null"/> when never verified.</summary>
    public BackupVerification? Verification { get; init; }

    /// <summary>Gets the backup's state, derived from its verification.</summary>
    public BackupStatus Status => Verification switch
    {
        null => BackupStatus.Unverified,
        { Succeeded: true } => BackupStatus.Verified,
        _ => BackupStatus.VerificationFailed,
    };
}
