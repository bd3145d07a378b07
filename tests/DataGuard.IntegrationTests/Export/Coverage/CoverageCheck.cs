using System.Text;
using System.Text.Json;
using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace DataGuard.IntegrationTests.Export.Coverage;

/// <summary>Exports a subject as JSON and compares tables with hand-written (oracle) queries, row by row, by identity columns.</summary>
internal static class CoverageCheck
{
    public static async Task<JsonElement> ExportJsonAsync(ExportHarness harness, string subject)
    {
        var exports = harness.Services.GetRequiredService<SubjectExports>();
        using var buffer = new MemoryStream();
        await using (var snapshot = await exports.OpenAsync(subject))
        {
            await snapshot.WriteAsync(exports.Format("json"), buffer);
        }

        return JsonDocument.Parse(Encoding.UTF8.GetString(buffer.ToArray())).RootElement.Clone();
    }

    /// <summary>The identities (<paramref name="columns"/> joined by '|') of one table's rows in an export, sorted; duplicates kept.</summary>
    public static List<string> Exported(JsonElement export, string table, params string[] columns)
    {
        Assert.True(export.GetProperty("tables").TryGetProperty(table, out var rows), $"the export has no table {table}: {string.Join(", ", export.GetProperty("tables").EnumerateObject().Select(p => p.Name))}");
        return rows.EnumerateArray()
            .Select(r => string.Join("|", columns.Select(c => r.GetProperty(c) is { ValueKind: JsonValueKind.String } s ? s.GetString() : r.GetProperty(c).GetRawText())))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The identities a hand-written query returns (each row's columns as text joined by '|'), sorted; duplicates kept.</summary>
    public static async Task<List<string>> OracleAsync(ExportHarness harness, string sql)
    {
        await using var connection = new NpgsqlConnection(harness.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var found = new List<string>();
        while (await reader.ReadAsync())
        {
            found.Add(string.Join("|", Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? "null" : reader.GetValue(i).ToString())));
        }

        return found.Order(StringComparer.Ordinal).ToList();
    }

    public static async Task<long> CountAsync(ExportHarness harness, string sql) =>
        (await OracleAsync(harness, sql)).Select(long.Parse).Single();
}
