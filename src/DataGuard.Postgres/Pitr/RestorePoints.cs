using System.Text.Json;
using DataGuard.Postgres.Backup;
using DataGuard.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres.Pitr;

/// <summary>
/// Named restore points: <c>pg_create_restore_point</c> on the server, recorded in storage under
/// <c>pitr/restore-points/&lt;name&gt;.json</c> (name, LSN, time) so a restore can find the base backup before it.
/// </summary>
internal sealed class RestorePoints
{
    /// <summary>The storage prefix of restore points.</summary>
    public const string Prefix = StorageLayout.RestorePoints;

    private readonly DataGuardDataSource _dataSource;
    private readonly IBackupStorage _storage;
    private readonly IOptions<PostgresOptions> _options;

    /// <summary>Initializes a new instance of the <see cref="RestorePoints"/> class.</summary>
    /// <param name="dataSource">DataGuard's data source.</param>
    /// <param name="storage">The storage.</param>
    /// <param name="options">The PostgreSQL options.</param>
    public RestorePoints(DataGuardDataSource dataSource, IBackupStorage storage, IOptions<PostgresOptions> options)
    {
        _dataSource = dataSource;
        _storage = storage;
        _options = options;
    }

    /// <summary>Creates a named restore point and records it. Names are unique.</summary>
    /// <param name="name">Letters, digits, <c>-</c>, <c>_</c> and <c>.</c>; at most 63 characters.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The restore point.</returns>
    public async Task<RestorePoint> MarkAsync(string name, CancellationToken cancellationToken = default)
    {
        Validate(name);
        if (await FindAsync(name, cancellationToken).ConfigureAwait(false) is not null)
        {
            throw new DataGuardException($"A restore point named '{name}' already exists; names must be unique.") { Operation = "pitr.mark" };
        }

        var connection = await PgDumpBackupProvider.OpenAsync(_dataSource.DataSource, new NpgsqlConnectionStringBuilder(_options.Value.ConnectionString), cancellationToken).ConfigureAwait(false);
        RestorePoint point;
        await using (connection.ConfigureAwait(false))
        {
            var command = new NpgsqlCommand("SELECT pg_create_restore_point(@name)::text, now(), (SELECT system_identifier::text FROM pg_control_system())", connection);
            await using (command.ConfigureAwait(false))
            {
                command.Parameters.AddWithValue("name", name);
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    point = new RestorePoint(name, reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2));
                }
            }
        }

        using var json = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(point, RestorePointJsonContext.Stored.RestorePoint));
        await _storage.WriteAsync(StorageLayout.RestorePoint(name), json, StorageWriteOptions.CreateOnly, cancellationToken).ConfigureAwait(false);
        return point;
    }

    /// <summary>Finds a recorded restore point.</summary>
    /// <param name="name">Its name.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The restore point, or <see langword="null"/>.</returns>
    public async Task<RestorePoint?> FindAsync(string name, CancellationToken cancellationToken = default)
    {
        Validate(name);
        try
        {
            var stream = await _storage.OpenReadAsync(StorageLayout.RestorePoint(name), cancellationToken: cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                return await JsonSerializer.DeserializeAsync(stream, RestorePointJsonContext.Stored.RestorePoint, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (StorageObjectNotFoundException)
        {
            return null;
        }
    }

    private static void Validate(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 63 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || name.StartsWith('.'))
        {
            throw new ArgumentException($"'{name}' is not a valid restore point name: use 1 to 63 letters, digits, '-', '_' or '.'.", nameof(name));
        }
    }
}
