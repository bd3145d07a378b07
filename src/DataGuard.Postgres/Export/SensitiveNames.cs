namespace DataGuard.Postgres.Export;

/// <summary>Column names that look like secrets: a word of the name (split at <c>_</c>) is one of these, or the name contains password.</summary>
internal static class SensitiveNames
{
    private static readonly HashSet<string> Words = new(StringComparer.OrdinalIgnoreCase)
    {
        "password", "passwd", "pwd", "secret", "token", "hash", "hashed", "salt", "key", "apikey", "otp", "totp", "mfa", "pin", "cvv", "ssn", "credential", "credentials", "private",
    };

    public static bool IsSensitive(string column) =>
        column.Contains("password", StringComparison.OrdinalIgnoreCase) || column.Split('_', '-').Any(Words.Contains);
}
