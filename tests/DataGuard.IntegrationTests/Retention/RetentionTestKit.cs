using System.Globalization;
using System.Text;
using DataGuard.Backup;
using DataGuard.Backup.Encryption;
using DataGuard.DependencyInjection;
using DataGuard.Postgres.Retention;
using DataGuard.Storage;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Retention;

/// <summary>Shared helpers of the retention tests: services around one database, independent SQL counts, and reading archives back.</summary>
internal static class RetentionTestKit
{
    public static ServiceProvider Build(string connectionString, Action<IDataGuardBuilder>? storage, Action<RetentionOptions> configure)
    {
        var services = new ServiceCollection();
        var builder = services.AddDataGuard().AddPostgres(o => o.ConnectionString = connectionString);
        storage?.Invoke(builder);
        services.Configure(configure);
        return services.BuildServiceProvider();
    }

    public static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public static async Task<List<T>> ColumnAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetFieldValue<T>(0));
        }

        return values;
    }

    /// <summary>Every archived line under a prefix, decoded with the codec (zstd; no encryption in these tests).</summary>
    public static async Task<(List<string> Lines, List<string> Manifests)> ReadArchivesAsync(IBackupStorage storage, string prefix)
    {
        var lines = new List<string>();
        var manifests = new List<string>();
        await foreach (var item in storage.ListAsync(prefix))
        {
            await using var stored = await storage.OpenReadAsync(item.Key);
            if (item.Key.EndsWith(".manifest.json", StringComparison.Ordinal))
            {
                using var text = new StreamReader(stored, Encoding.UTF8);
                manifests.Add(await text.ReadToEndAsync());
                continue;
            }

            await using var decoded = ArchiveCodec.OpenReader(stored, item.Key.Contains(".zst", StringComparison.Ordinal), false, EncryptionKeyRing.None, ArchiveContexts.StorageObject(item.Key));
            using var reader = new StreamReader(decoded, Encoding.UTF8);
            while (await reader.ReadLineAsync() is { } line)
            {
                lines.Add(line);
            }
        }

        return (lines, manifests);
    }
}
