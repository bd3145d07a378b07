using System.Data.Common;
using Microsoft.Extensions.Configuration;

namespace DataGuard.Cli;

/// <summary>The secret values in the configuration (passwords, keys, tokens), so that no log line can carry one.</summary>
internal static class CliSecrets
{
    // Names whose values are secret wherever they appear (Storage:S3:SecretAccessKey, Retention:HmacKey, Supabase:AccessToken...).
    // A bare "Key" is not one (Export:Subject:Key names a column); the encryption keys are matched by their path.
    private static readonly string[] SecretNames = ["Password", "Secret", "SecretAccessKey", "Token", "HmacKey", "ApiKey", "ServiceKey"];

    private static readonly string[] SecretEnvironment = ["PGPASSWORD", "DATAGUARD_TARGET_PASSWORD", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

    /// <summary>Secret values found under <c>DataGuard</c> and in the usual environment variables, longest first.</summary>
    public static IReadOnlyList<string> Collect(IConfiguration configuration)
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in configuration.GetSection("DataGuard").AsEnumerable())
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            var name = key[(key.LastIndexOf(':') + 1)..];
            if (name.EndsWith("ConnectionString", StringComparison.OrdinalIgnoreCase))
            {
                AddPassword(value, secrets);
            }
            else if (SecretNames.Any(s => name.EndsWith(s, StringComparison.OrdinalIgnoreCase))
                || (key.Contains(":Encryption:Key", StringComparison.OrdinalIgnoreCase) && !name.EndsWith("Id", StringComparison.OrdinalIgnoreCase)))
            {
                secrets.Add(value);
            }
        }

        foreach (var variable in SecretEnvironment)
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value)
            {
                secrets.Add(value);
            }
        }

        return Normalize(secrets);
    }

    /// <summary>
    /// The secrets to scrub: each once, at least 4 characters (very short values such as "1" or "on" would scrub
    /// ordinary words; no real secret is that short), longest first (so one secret inside another is scrubbed whole).
    /// </summary>
    public static IReadOnlyList<string> Normalize(IEnumerable<string> secrets) =>
        [.. secrets.Distinct(StringComparer.Ordinal).Where(s => s.Length >= 4).OrderByDescending(s => s.Length)];

    /// <summary><paramref name="text"/> with every secret replaced by <c>***</c>.</summary>
    public static string Scrub(string text, IReadOnlyList<string> secrets)
    {
        foreach (var secret in secrets)
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        return text;
    }

    private static void AddPassword(string connectionString, HashSet<string> secrets)
    {
        try
        {
            var builder = new DbConnectionStringBuilder { ConnectionString = connectionString };
            foreach (var name in new[] { "Password", "Pwd" })
            {
                if (builder.TryGetValue(name, out var password) && password is string { Length: > 0 } text)
                {
                    secrets.Add(text);
                }
            }
        }
        catch (ArgumentException)
        {
            // Not a key=value string (a URI, or malformed): the options validator reports it; scrub the whole value.
            secrets.Add(connectionString);
        }
    }
}
