using DataGuard.Configuration;
using Microsoft.Extensions.Configuration;

namespace DataGuard.Tests.Configuration;

/// <summary>
/// Options bound by generated code behave as the reflection binder made them behave on empty and null values
/// (ReflectionBinderBehaviour): an empty value fails the start exactly where and as the reflection binder threw, and
/// nowhere else; a null value sets the property to its default exactly where the reflection binder did. Generated code
/// leaves a property it finds a null or empty value for as it was, which the tests start from.
/// </summary>
public class ReflectionBinderBehaviourTests
{
    [Theory]
    [InlineData("I")]
    [InlineData("Lo")]
    [InlineData("B")]
    [InlineData("T")]
    [InlineData("Db")]
    [InlineData("Dc")]
    [InlineData("Sh")]
    [InlineData("F")]
    [InlineData("C")]
    [InlineData("G")]
    [InlineData("Ro")]
    [InlineData("In")]
    [InlineData("Ps")]
    [InlineData("Child:N")]
    [InlineData("Child:Deeper:T")]
    [InlineData("Child:S")]
    [InlineData("S")]
    [InlineData("Ch")]
    [InlineData("Dt")]
    [InlineData("Dto")]
    [InlineData("U")]
    [InlineData("Ni")]
    [InlineData("Nb")]
    [InlineData("Nt")]
    [InlineData("Nc")]
    [InlineData("L:0:N")]
    [InlineData("D:k:N")]
    [InlineData("Li:0")]
    [InlineData("Child")]
    [InlineData("L")]
    [InlineData("WriteOnly")]
    [InlineData("Undeclared:N")]
    public void An_empty_value_fails_exactly_where_the_reflection_binder_failed(string key)
    {
        AssertSameAsReflection(new Dictionary<string, string?> { [key] = string.Empty });
    }

    [Fact]
    public void The_first_empty_value_in_binding_order_is_named()
    {
        AssertSameAsReflection(new Dictionary<string, string?> { ["Lo"] = string.Empty, ["I"] = string.Empty, ["Child:N"] = string.Empty });
        AssertSameAsReflection(new Dictionary<string, string?> { ["child:n"] = string.Empty, ["t"] = string.Empty });
    }

    [Fact]
    public void Values_that_are_not_empty_are_left_to_the_binder()
    {
        var configuration = Configuration(new Dictionary<string, string?> { ["I"] = "abc", ["T"] = " ", ["Ni"] = null, ["Child:N"] = "1" });
        ReflectionBinderBehaviour.ThrowOnEmptyValues(configuration, new OptionsShape(typeof(Root)), Nested);
    }

    [Theory]
    [InlineData("I")]
    [InlineData("Lo")]
    [InlineData("B")]
    [InlineData("T")]
    [InlineData("Db")]
    [InlineData("C")]
    [InlineData("G")]
    [InlineData("Ro")]
    [InlineData("In")]
    [InlineData("Ps")]
    [InlineData("s")]
    [InlineData("Ch")]
    [InlineData("Dt")]
    [InlineData("Dto")]
    [InlineData("U")]
    [InlineData("Ni")]
    [InlineData("NB")]
    [InlineData("Nt")]
    [InlineData("Nc")]
    [InlineData("Child")]
    [InlineData("Child:N")]
    [InlineData("child:s")]
    [InlineData("Child:Deeper")]
    [InlineData("Child:Deeper:T")]
    [InlineData("WriteOnly")]
    public void A_null_value_sets_the_default_exactly_where_the_reflection_binder_did(string key)
    {
        var configuration = Configuration(new Dictionary<string, string?> { [key] = null });
        var reflected = new Root();
        configuration.Bind(reflected);
        var applied = new Root();
        ReflectionBinderBehaviour.ApplyNullValues(configuration, applied, new OptionsShape(typeof(Root)), Nested);
        Assert.Equal(Json(reflected), Json(applied));
    }

    [Fact]
    public void Null_values_among_others_set_only_their_own_properties()
    {
        var settings = new Dictionary<string, string?> { ["I"] = null, ["B"] = "false", ["S"] = null, ["Child:N"] = null, ["Child:S"] = "x", ["Ni"] = "3" };
        var configuration = Configuration(settings);
        var reflected = new Root();
        configuration.Bind(reflected);
        var applied = new Root { B = false, Ni = 3 };
        applied.Child.S = "x";
        ReflectionBinderBehaviour.ApplyNullValues(configuration, applied, new OptionsShape(typeof(Root)), Nested);
        Assert.Equal(Json(reflected), Json(applied));
    }

    [Fact]
    public void A_null_value_in_an_element_of_a_list_or_dictionary_sets_the_default_as_the_reflection_binder_did()
    {
        var configuration = Configuration(new Dictionary<string, string?>
        {
            ["L:0:N"] = "1", ["L:0:S"] = null, ["L:1:Deeper:T"] = null, ["L:1:N"] = "2", ["D:k:N"] = "3", ["D:k:S"] = null,
        });
        var reflected = new Root();
        configuration.Bind(reflected);

        // As generated code leaves them: one element per child section, in order, a null value leaving the property as it was.
        var applied = new Root
        {
            L = [new Item { N = 1, S = "left" }, new Item { N = 2, Deeper = new Deeper { T = TimeSpan.FromSeconds(1) } }],
            D = new() { ["k"] = new Item { N = 3, S = "left" } },
        };
        ReflectionBinderBehaviour.ApplyNullValues(configuration, applied, new OptionsShape(typeof(Root)), Nested);
        Assert.Equal(Json(reflected), Json(applied));
        Assert.Null(applied.L[0].S);
        Assert.Null(applied.D["k"].S);
    }

    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new() { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() };

    private static string Json(Root root) => System.Text.Json.JsonSerializer.Serialize(root, JsonOptions);

    private static readonly Dictionary<Type, OptionsShape> Nested = new()
    {
        [typeof(Item)] = new OptionsShape(typeof(Item)),
        [typeof(Deeper)] = new OptionsShape(typeof(Deeper)),
    };

    private static void AssertSameAsReflection(Dictionary<string, string?> settings)
    {
        var configuration = Configuration(settings);
        var reflection = Record.Exception(() => configuration.Bind(new Root()));
        var check = Record.Exception(() => ReflectionBinderBehaviour.ThrowOnEmptyValues(configuration, new OptionsShape(typeof(Root)), Nested));
        if (settings.ContainsKey("Undeclared:N"))
        {
            // The reflection binder walked every nested type; the check only declared ones (AddNestedDataGuardOptions).
            Assert.NotNull(reflection);
            Assert.Null(check);
            return;
        }

        if (settings.Keys.Any(k => k.StartsWith("L:", StringComparison.Ordinal) || k.StartsWith("D:", StringComparison.Ordinal) || k.StartsWith("Li:", StringComparison.Ordinal)))
        {
            // Deliberately not as the reflection binder: it silently DROPPED an element of a list or dictionary with an
            // empty value (a retention condition lost, say); the check fails the start naming the key, in its message.
            Assert.Null(reflection);
            var key = settings.Keys.Single();
            Assert.IsType<InvalidOperationException>(check);
            Assert.StartsWith($"Failed to convert configuration value '' at '{key}' to type ", check.Message, StringComparison.Ordinal);
            return;
        }

        Assert.Equal(reflection?.GetType(), check?.GetType());
        Assert.Equal(reflection?.Message, check?.Message);
    }

    private static IConfigurationRoot Configuration(Dictionary<string, string?> settings) => new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    public enum Color
    {
        Red,
        Green,
    }

    public sealed class Root
    {
        public int I { get; set; }

        public long Lo { get; set; }

        public bool B { get; set; }

        public TimeSpan T { get; set; }

        public double Db { get; set; }

        public decimal Dc { get; set; }

        public short Sh { get; set; }

        public float F { get; set; }

        public Color C { get; set; }

        public Guid G { get; set; }

        public int Ro { get; } = 3;

        public int In { get; init; } = 4;

        public int Ps { get; private set; } = 6;

        public string? S { get; set; } = "s";

        public char Ch { get; set; } = 'x';

        public DateTime Dt { get; set; } = DateTime.UnixEpoch;

        public DateTimeOffset Dto { get; set; } = DateTimeOffset.UnixEpoch;

        public Uri? U { get; set; } = new("http://x");

        public int? Ni { get; set; } = 5;

        public bool? Nb { get; set; } = true;

        public TimeSpan? Nt { get; set; } = TimeSpan.FromSeconds(1);

        public Color? Nc { get; set; } = Color.Green;

        public Item Child { get; set; } = new();

        public Item Undeclared2 { get; set; } = new();

        public UndeclaredItem Undeclared { get; set; } = new();

        public List<Item> L { get; set; } = [];

        public Dictionary<string, Item> D { get; set; } = [];

        public List<int> Li { get; set; } = [];

        public int WriteOnly
        {
            private get => 0;
            set => _ = value;
        }
    }

    public sealed class Item
    {
        public int N { get; set; }

        public string? S { get; set; }

        public Deeper Deeper { get; set; } = new();
    }

    public sealed class Deeper
    {
        public TimeSpan T { get; set; }
    }

    public sealed class UndeclaredItem
    {
        public int N { get; set; }
    }
}
