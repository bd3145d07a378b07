using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Postgres;

/// <summary>Checks <see cref="PostgresOptions"/> at start-up; messages name the option path and never echo the connection string.</summary>
internal sealed class PostgresOptionsValidator(IEnumerable<Backup.PgDumpProfile> presets) : IValidateOptions<PostgresOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresOptions options)
    {
        const string path = PostgresOptions.SectionPath;
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail($"{path}:ConnectionString is required (for example Host=db;Database=app;Username=app; with the password from a secret).");
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            if (string.IsNullOrWhiteSpace(builder.Host))
            {
                return ValidateOptionsResult.Fail($"{path}:ConnectionString has no Host.");
            }
        }
        catch (ArgumentException ex)
        {
            // Npgsql's message names the bad keyword, never the value.
            return ValidateOptionsResult.Fail($"{path}:ConnectionString is not a valid connection string: {ex.Message}");
        }

        if (!string.IsNullOrWhiteSpace(options.ToolsDirectory) && !Directory.Exists(options.ToolsDirectory))
        {
            return ValidateOptionsResult.Fail($"{path}:ToolsDirectory '{options.ToolsDirectory}' does not exist.");
        }

        var bad = options.Dump.IncludeTables.Concat(options.Dump.ExcludeTables).Concat(options.Dump.ExcludeTableData)
            .Where(name => PgIdentifiers.SplitQualified(name) is null).ToList();
        if (bad.Count > 0)
        {
            return ValidateOptionsResult.Fail($"{path}:Dump: table names must be schema.table (not patterns): {string.Join(", ", bad)}.");
        }

        if (!string.IsNullOrWhiteSpace(options.Dump.Preset) && !presets.Any(p => string.Equals(p.Name, options.Dump.Preset, StringComparison.OrdinalIgnoreCase)))
        {
            var known = presets.Select(p => p.Name).ToList();
            return ValidateOptionsResult.Fail($"{path}:Dump:Preset '{options.Dump.Preset}' is not registered{(known.Count == 0 ? string.Empty : $" (registered: {string.Join(", ", known)})")}; the Supabase preset needs AddSupabase() on the DataGuard builder.");
        }

        return ValidateOptionsResult.Success;
    }
}
