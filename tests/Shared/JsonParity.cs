using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace DataGuard.Testing;

/// <summary>
/// Compares compile-time JSON metadata (a JsonSerializerContext) with the reflection serializer on the options the
/// reflection serializer was used with before: the same bytes written, and the same values read from JSON as written
/// and from JSON of other shapes (members missing, null, in another case, numbers as strings, unknown members).
/// </summary>
internal static class JsonParity
{
    /// <summary>Asserts that the value serializes to the same bytes both ways.</summary>
    /// <returns>The JSON.</returns>
    public static string AssertSameBytes<T>(T value, JsonTypeInfo<T> generated, JsonSerializerOptions reflection, string because)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, generated);
        var expected = JsonSerializer.SerializeToUtf8Bytes(value, reflection);
        Assert.True(bytes.AsSpan().SequenceEqual(expected), $"{because}:\n{Encoding.UTF8.GetString(bytes)}\n!=\n{Encoding.UTF8.GetString(expected)}");
        var text = JsonSerializer.Serialize(value, generated);
        Assert.Equal(JsonSerializer.Serialize(value, reflection), text);
        return text;
    }

    /// <summary>Asserts that the JSON reads to the same value both ways (compared by its reflection JSON), or fails both ways.</summary>
    public static void AssertReadsAlike<T>(string json, JsonTypeInfo<T> generated, JsonSerializerOptions reflection, string because)
    {
        T? expected, actual;
        Exception? expectedError = null, actualError = null;
        try
        {
            expected = JsonSerializer.Deserialize<T>(json, reflection);
        }
        catch (Exception ex)
        {
            expected = default;
            expectedError = ex;
        }

        try
        {
            actual = JsonSerializer.Deserialize(json, generated);
        }
        catch (Exception ex)
        {
            actual = default;
            actualError = ex;
        }

        Assert.True(
            expectedError?.GetType() == actualError?.GetType(),
            $"{because}: reflection {(expectedError is null ? "read it" : "failed: " + expectedError.Message)}, generated {(actualError is null ? "read it" : "failed: " + actualError.Message)}\n{json}");
        if (expectedError is null)
        {
            Assert.True(
                JsonSerializer.Serialize(expected, reflection) == JsonSerializer.Serialize(actual, reflection),
                $"{because}: read differently\n{json}\nreflection: {JsonSerializer.Serialize(expected, reflection)}\ngenerated:  {JsonSerializer.Serialize(actual, reflection)}");
        }
    }

    /// <summary>Asserts that the JSON reads alike both ways, as it is and in every variant of <see cref="Variants"/>.</summary>
    public static void AssertVariantsReadAlike<T>(string json, JsonTypeInfo<T> generated, JsonSerializerOptions reflection, string because)
    {
        AssertReadsAlike(json, generated, reflection, because);
        foreach (var (name, variant) in Variants(json))
        {
            AssertReadsAlike(variant, generated, reflection, $"{because}, {name}");
        }
    }

    /// <summary>The JSON object with, in turn, each member removed, set to null, renamed (PascalCase, upper case), a number written as a string; and with an unknown member.</summary>
    public static IEnumerable<(string Name, string Json)> Variants(string json)
    {
        var names = JsonNode.Parse(json)!.AsObject().Select(p => p.Key).ToList();
        foreach (var name in names)
        {
            yield return ($"without {name}", Edit(json, o => o.Remove(name)));
            yield return ($"{name} null", Edit(json, o => o[name] = null));
            yield return ($"{name} as {Pascal(name)}", Edit(json, o => Rename(o, name, Pascal(name))));
            yield return ($"{name} as {name.ToUpperInvariant()}", Edit(json, o => Rename(o, name, name.ToUpperInvariant())));
            if (JsonNode.Parse(json)![name] is JsonValue value && value.GetValueKind() == JsonValueKind.Number)
            {
                yield return ($"{name} as a string", Edit(json, o => o[name] = value.ToJsonString()));
            }
        }

        yield return ("with an unknown member", Edit(json, o => o["unknownMember"] = new JsonArray(1, "two")));
    }

    private static string Pascal(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name[1..];

    private static void Rename(JsonObject o, string from, string to)
    {
        var value = o[from]?.DeepClone();
        o.Remove(from);
        o[to] = value;
    }

    private static string Edit(string json, Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        edit(node);
        return node.ToJsonString();
    }
}

/// <summary>Values for generated cases: text that needs escaping, offsets, extreme numbers.</summary>
internal static class JsonValues
{
    private static readonly string[] Pieces =
    [
        "", "a", "plain text", "<script>&amp;'\"", "\\", "/", "é", "Ærøskøbing", "日本語", "😀", "\u0001\u001f", "\t\n\r", "+", "\u2028\u2029",
        "a b", "`", "%", "ctid (0,1)", "public.audit", "23505: duplicate key value violates unique constraint \"x\"", "\u00a0", "\uFEFF",
    ];

    public static string Text(Random r)
    {
        var text = new StringBuilder();
        for (var i = r.Next(0, 4); i > 0; i--)
        {
            text.Append(Pieces[r.Next(Pieces.Length)]);
        }

        return text.ToString();
    }

    public static string? TextOrNull(Random r) => r.Next(4) == 0 ? null : Text(r);

    public static DateTimeOffset Time(Random r)
    {
        var offset = TimeSpan.FromMinutes(r.Next(4) == 0 ? 0 : r.Next(-14 * 60, 14 * 60 + 1));
        var ticks = r.NextInt64(DateTimeOffset.MinValue.Ticks + TimeSpan.TicksPerDay, DateTimeOffset.MaxValue.Ticks - TimeSpan.TicksPerDay);
        if (r.Next(3) == 0)
        {
            ticks -= ticks % TimeSpan.TicksPerSecond;
        }

        return new DateTimeOffset(ticks, offset);
    }

    public static DateTimeOffset? TimeOrNull(Random r) => r.Next(4) == 0 ? null : Time(r);

    public static double Number(Random r) => r.Next(12) switch
    {
        0 => 0,
        1 => -0.0,
        2 => 0.1,
        3 => 1.0 / 3,
        4 => 1e300,
        5 => -1e-300,
        6 => double.MaxValue,
        7 => double.MinValue,
        8 => double.Epsilon,
        9 => 12345.678,
        10 => r.Next(),
        _ => (r.NextDouble() - 0.5) * Math.Pow(10, r.Next(-10, 10)),
    };

    public static double? NumberOrNull(Random r) => r.Next(4) == 0 ? null : Number(r);

    public static long Long(Random r) => r.Next(6) switch
    {
        0 => 0,
        1 => -1,
        2 => long.MaxValue,
        3 => long.MinValue,
        4 => r.Next(1000),
        _ => r.NextInt64(),
    };

    /// <summary>A list of 0 to <paramref name="max"/> items, as a list, an array or a collection expression's read-only list.</summary>
    public static IReadOnlyList<T> List<T>(Random r, int max, Func<Random, T> item)
    {
        var items = Enumerable.Range(0, r.Next(0, max + 1)).Select(_ => item(r)).ToList();
        return r.Next(3) switch
        {
            0 => items,
            1 => items.ToArray(),
            _ => [.. items],
        };
    }
}
