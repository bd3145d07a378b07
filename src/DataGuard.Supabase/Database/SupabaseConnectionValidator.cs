using DataGuard.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DataGuard.Supabase.Database;

/// <summary>Refuses, at start-up, a DataGuard:Postgres:ConnectionString that goes through Supabase's transaction pooler.</summary>
internal sealed class SupabaseConnectionValidator : IValidateOptions<PostgresOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgresOptions options)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException)
        {
            return ValidateOptionsResult.Skip;   // PostgresOptionsValidator says what is wrong with it
        }

        return SupabaseConnection.IsTransactionPooler(builder)
            ? ValidateOptionsResult.Fail(SupabaseConnection.TransactionPoolerMessage(builder, PostgresOptions.SectionPath + ":ConnectionString"))
            : ValidateOptionsResult.Success;
    }
}
