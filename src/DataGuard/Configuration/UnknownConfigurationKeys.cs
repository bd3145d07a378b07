using System.Collections;
using Microsoft.Extensions.Configuration;

namespace DataGuard.Configuration;

/// <summary>
/// Finds configuration keys under <c>DataGuard</c> that no option reads: a typo such as <c>Backup:Schedulee</c> would
/// otherwise leave the schedule the operator meant silently unset. Each finding names the key's full path and the
/// nearest valid name. Keys are compared as the configuration binder compares them (ignoring case).
/// </summary>
internal static class UnknownConfigurationKeys
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

    /// <summary>Finds the keys under <c>DataGuard</c> no option reads.</summary>
    /// <param name="configuration">The configuration.</param>
    /// <param name="sections">The sections registered by <c>AddDataGuardOptions</c>.</param>
    /// <param name="nested">
    /// The types of options nested in theirs (<c>AddNestedDataGuardOptions</c>): keys under a property of a type that is
    /// neither registered nor declared are not checked (its properties are not read by reflection: a trimmed or native
    /// AOT app does not keep them).
    /// </param>
    /// <returns>One finding per unknown key, for a person.</returns>
    public static IReadOnlyList<string> Find(IConfiguration configuration, IEnumerable<OptionsSection> sections, IEnumerable<OptionsShape> nested)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var registered = sections.GroupBy(s => s.Path, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Shape, StringComparer.OrdinalIgnoreCase);
        var shapes = new Dictionary<Type, OptionsShape>();
        foreach (var shape in registered.Values.Concat(nested))
        {
            shapes.TryAdd(shape.Type, shape);
        }

        var findings = new List<string>();
        var root = configuration.GetSection(DataGuardOptions.SectionName);
        new Walker(registered, shapes, findings).Walk(root, DataGuardOptions.SectionName, registered.GetValueOrDefault(DataGuardOptions.SectionName));
        return findings;
    }

    /// <summary>Whether a value of <paramref name="type"/> is a single configuration value (not a section).</summary>
    internal static bool IsLeaf(Type type) =>
        type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
        || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Guid) || type == typeof(Uri);

    /// <summary>The element type of a list, array or dictionary (whose keys are free), or <see langword="null"/>.</summary>
    internal static Type? Element(Type type)
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

    /// <summary>Walks the configuration beside the shapes of the options it binds to.</summary>
    private sealed class Walker(Dictionary<string, OptionsShape> registered, Dictionary<Type, OptionsShape> shapes, List<string> findings)
    {
        /// <param name="node">The section.</param>
        /// <param name="path">Its path.</param>
        /// <param name="shape">The options it binds to, or <see langword="null"/> for one that only holds sections of other options.</param>
        public void Walk(IConfigurationSection node, string path, OptionsShape? shape)
        {
            foreach (var child in node.GetChildren())
            {
                var childPath = $"{path}:{child.Key}";
                if (registered.TryGetValue(childPath, out var sectionShape))
                {
                    Walk(child, childPath, sectionShape);
                    continue;
                }

                if (Moved.TryGetValue(childPath, out var movedTo))
                {
                    findings.Add($"{childPath} moved to {movedTo}.");
                    continue;
                }

                var property = shape?.Find(child.Key);
                if (property is null && NotAdded.TryGetValue(childPath, out var call))
                {
                    findings.Add($"{childPath} is configured but its feature is not added; call {call} on the DataGuard builder, or remove the section.");
                    continue;
                }

                if (property is null)
                {
                    if (registered.Keys.Any(k => k.StartsWith(childPath + ":", StringComparison.OrdinalIgnoreCase)))
                    {
                        Walk(child, childPath, null);   // only holds sections of other options
                        continue;
                    }

                    findings.Add($"{childPath} is not a DataGuard option{Suggest(child.Key, Candidates(path, shape))}.");
                    continue;
                }

                CheckValue(child, childPath, property.PropertyType);
            }
        }

        private void CheckValue(IConfigurationSection node, string path, Type type)
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
                    CheckValue(item, $"{path}:{item.Key}", element);
                }

                return;
            }

            if (shapes.TryGetValue(type, out var shape))
            {
                Walk(node, path, shape);
                return;
            }

            // A nested type no AddNestedDataGuardOptions declared: its properties are unknown here, so the keys under it
            // cannot be checked. Say so (it fails the start) rather than let a typo under it pass silently.
            if (node.GetChildren().Any())
            {
                findings.Add($"{path} cannot be checked for unknown keys: its options type {type.FullName} is not declared; call AddNestedDataGuardOptions<{type.Name}>() on the DataGuard builder where its section is added.");
            }
        }

        private IEnumerable<string> Candidates(string path, OptionsShape? shape) =>
            (shape?.Properties.Select(p => p.Name) ?? [])
                .Concat(registered.Keys.Where(k => k.StartsWith(path + ":", StringComparison.OrdinalIgnoreCase)).Select(k => k[(path.Length + 1)..].Split(':')[0]))
                .Distinct(StringComparer.OrdinalIgnoreCase);
    }
}
