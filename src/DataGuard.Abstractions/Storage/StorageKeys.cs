namespace DataGuard.Storage;

/// <summary>The rules every storage key and prefix follows, so that no key can reach outside the storage's root.</summary>
public static class StorageKeys
{
    /// <summary>The longest key accepted, in characters (S3 allows 1,024 bytes).</summary>
    public const int MaxLength = 900;

    /// <summary>
    /// Checks a key: not empty, no leading <c>/</c>, no empty, <c>.</c> or <c>..</c> segment, no backslash, no control character.
    /// </summary>
    /// <param name="key">The key to check.</param>
    /// <returns>The key, unchanged.</returns>
    /// <exception cref="InvalidStorageKeyException">The key breaks a rule; the message says which.</exception>
    public static string Validate(string key)
    {
        var problem = FindProblem(key, allowTrailingSlash: false);
        return problem is null ? key : throw new InvalidStorageKeyException(key, problem);
    }

    /// <summary>Checks a listing prefix: empty, or a key that may end with <c>/</c>.</summary>
    /// <param name="prefix">The prefix to check.</param>
    /// <returns>The prefix, unchanged.</returns>
    /// <exception cref="InvalidStorageKeyException">The prefix breaks a rule.</exception>
    public static string ValidatePrefix(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.Length == 0)
        {
            return prefix;
        }

        var problem = FindProblem(prefix, allowTrailingSlash: true);
        return problem is null ? prefix : throw new InvalidStorageKeyException(prefix, problem);
    }

    private static string? FindProblem(string? key, bool allowTrailingSlash)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "a key must not be empty";
        }

        if (key.Length > MaxLength)
        {
            return $"a key must not be longer than {MaxLength} characters";
        }

        if (key[0] == '/')
        {
            return "a key must not start with '/'";
        }

        foreach (var c in key)
        {
            if (char.IsControl(c))
            {
                return "a key must not contain control characters";
            }

            if (c == '\\')
            {
                return "a key must not contain '\\'";
            }
        }

        var segments = key.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var isTrailing = i == segments.Length - 1;
            if (segment.Length == 0 && !(isTrailing && allowTrailingSlash))
            {
                return "a key must not contain empty segments ('//' or a trailing '/')";
            }

            if (segment is "." or "..")
            {
                return "a key must not contain '.' or '..' segments";
            }
        }

        return null;
    }
}
