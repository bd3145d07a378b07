using System.Collections;
using System.Reflection;
using DataGuard.Configuration;
using Microsoft.Extensions.Configuration;

namespace DataGuard.Tests.Configuration;

/// <summary>
/// UnknownConfigurationKeys as it was before it read options types through OptionsShape (reflection over every
/// property's type, which a trimmed or native AOT app does not keep), unchanged but for its name and the section
/// argument: tests compare the findings of both. Tests only.
/// </summary>
internal static class LegacyUnknownConfigurationKeys
{
    /// <summary>Keys that moved, with where they are now.</summary>
    private static readonly Dictionary<string, string> Moved = new(StringComparer.OrdinalIgnoreCase)
    {
        ["DataGuard:Backup:TimeZone"] = "DataGuard:TimeZone (one time zone for every schedule)",
    };

    /// <summary>Sections of features a host adds one by one, with the call that adds each.</summary>
    private static readonly Dictionary<string, string> NotAdded = new(StringComparer.OrdinalIgnoreCase)
    {
        ["DataGuard:Postgres"] = "AddPostgres()",
        ["DataGuard:Migrations"] = "AddMigrations() or AddPostgres()",
        ["DataGuard:Retention"] = "AddRetention() or AddPostgres()",
        ["DataGuard:Export"] = "AddExport() or AddPostgres()",
        ["DataGuard:Drills"] = "AddDrills() or AddPostgres()",
        ["DataGuard:Storage:S3"] = "AddS3Storage()",
        ["DataGuard:Supabase"] = "AddSupabase()",
        ["DataGuard:Dashboard"] = "AddDashboard() (DataGuard.AspNetCore)",
    };

    public static IReadOnlyList<string> Find(IConfiguration configuration, IEnumerable<(string Path, Type OptionsType)> sections)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var registered = sections.GroupBy(s => s.Path, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().OptionsType, StringComparer.OrdinalIgnoreCase);
        var findings = new List<string>();
        var root = configuration.GetSection(DataGuardOptions.SectionName);
        Walk(root, DataGuardOptions.SectionName, registered.GetValueOrDefault(DataGuardOptions.SectionName), registered, findings);
        return findings;
    }

    private static void Walk(IConfigurationSection node, string path, Type? type, Dictionary<string, Type> registered, List<string> findings)
    {
        foreach (var child in node.GetChildren())
        {
            var childPath = $"{path}:{child.Key}";
            if (registered.TryGetValue(childPath, out var sectionType))
            {
                Walk(child, childPath, sectionType, registered, findings);
                continue;
            }

            if (Moved.TryGetValue(childPath, out var movedTo))
            {
                findings.Add($"{childPath} moved to {movedTo}.");
                continue;
            }

            var property = type?.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null && NotAdded.TryGetValue(childPath, out var call))
            {
                findings.Add($"{childPath} is configured but its feature is not added; call {call} on the DataGuard builder, or remove the section.");
                continue;
            }

            if (property is null)
            {
                if (registered.Keys.Any(k => k.StartsWith(childPath + ":", StringComparison.OrdinalIgnoreCase)))
                {
                    Walk(child, childPath, null, registered, findings);   // only holds sections of other options
                    continue;
                }

                findings.Add($"{childPath} is not a DataGuard option{Suggest(child.Key, Candidates(path, type, registered))}.");
                continue;
            }

            CheckValue(child, childPath, property.PropertyType, registered, findings);
        }
    }

    private static void CheckValue(IConfigurationSection node, string path, Type type, Dictionary<string, Type> registered, List<string> findings)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsLeaf(type))
        {
            if (node.GetChildren().Any())
            {
                findings.Add($"{path} is a single value, not a section (found {string.Join(", ", node.GetChildren().Select(c => c.Key))} under it).");
            }

            return;
        }

        if (Element(type) is { } element)
        {
            foreach (var item in node.GetChildren())
            {
                CheckValue(item, $"{path}:{item.Key}", element, registered, findings);
            }

            return;
        }

        Walk(node, path, type, registered, findings);
    }

    private static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri);

    /// <summary>The element type of a list, array or dictionary (whose keys are free), or <see langword="null"/>.</summary>
    private static Type? Element(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type))
        {
            var arguments = type.GetGenericArguments();
            return arguments[^1];
        }

        return null;
    }

    private static IEnumerable<string> Candidates(string path, Type? type, Dictionary<string, Type> registered) =>
        (type?.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(p => p.Name) ?? [])
            .Concat(registered.Keys.Where(k => k.StartsWith(path + ":", StringComparison.OrdinalIgnoreCase)).Select(k => k[(path.Length + 1)..].Split(':')[0]))
            .Distinct(StringComparer.OrdinalIgnoreCase);

    private static string Suggest(string key, IEnumerable<string> candidates)
    {
        var best = candidates.Select(c => (Name: c, Distance: Distance(key.ToUpperInvariant(), c.ToUpperInvariant()))).OrderBy(c => c.Distance).FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, key.Length / 3) ? $"; did you mean {best.Name}?" : string.Empty;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
