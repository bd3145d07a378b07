using DataGuard.Postgres.Retention;
using DataGuard.Retention;

namespace DataGuard.Tests.Retention;

public sealed class RetentionOptionsValidatorTests
{
    private static RetentionPolicyOptions Policy(RetentionAction action = RetentionAction.Delete) =>
        new() { Name = "p", Table = "public.t", TimestampColumn = "created_at", MaxAge = TimeSpan.FromDays(1), Action = action };

    private static IReadOnlyList<string> Failures(RetentionOptions options, params RetentionPredicate[] predicates)
    {
        var result = new RetentionOptionsValidator(predicates).Validate(null, options);
        return result.Failures?.ToList() ?? [];
    }

    [Fact]
    public void A_valid_policy_of_each_action_passes()
    {
        var options = new RetentionOptions { HmacKey = "0123456789abcdef0123" };
        options.Policies.Add(Policy());
        options.Policies.Add(new RetentionPolicyOptions { Name = "a", Table = "public.t", TimestampColumn = "c", MaxAge = TimeSpan.FromDays(1), Action = RetentionAction.Anonymize, MarkerColumn = "done", Anonymize = { new AnonymizeRule { Column = "email", Method = AnonymizeMethod.Hmac } } });
        options.Policies.Add(new RetentionPolicyOptions { Name = "b", Table = "public.t", TimestampColumn = "c", MaxAge = TimeSpan.FromDays(1), Action = RetentionAction.DropPartitions, ArchivePartitions = true });
        options.Policies.Add(new RetentionPolicyOptions { Name = "c", Table = "public.t", TimestampColumn = "c", MaxAge = TimeSpan.FromDays(1), Action = RetentionAction.ArchiveThenDelete, Predicate = "closed", Conditions = { new RetentionCondition { Column = "k", Operator = RetentionOperator.In, Values = { "1" } } } });
        Assert.Empty(Failures(options, new RetentionPredicate("closed", "t.closed")));
    }

    [Fact]
    public void Hmac_needs_a_key_and_a_marker_column()
    {
        var options = new RetentionOptions();
        var policy = Policy(RetentionAction.Anonymize);
        policy.Anonymize.Add(new AnonymizeRule { Column = "email", Method = AnonymizeMethod.Hmac });
        options.Policies.Add(policy);
        var failures = Failures(options);
        Assert.Contains(failures, f => f.Contains("('p')", StringComparison.Ordinal) && f.Contains("HmacKey", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("needs MarkerColumn", StringComparison.Ordinal));
    }

    [Fact]
    public void A_short_hmac_key_is_rejected_without_showing_it()
    {
        var options = new RetentionOptions { HmacKey = "short-secret" };
        var failure = Assert.Single(Failures(options));
        Assert.Contains("HmacKey must be at least 16 characters", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("short-secret", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RetentionOperator.In, null, "needs Values")]
    [InlineData(RetentionOperator.Equal, null, "needs a Value")]
    [InlineData(RetentionOperator.IsNull, "x", "takes no value")]
    public void Conditions_are_checked_by_operator(RetentionOperator op, string? value, string message)
    {
        var options = new RetentionOptions();
        var policy = Policy();
        policy.Conditions.Add(new RetentionCondition { Column = "k", Operator = op, Value = value });
        options.Policies.Add(policy);
        Assert.Contains(Failures(options), f => f.Contains("Conditions:0", StringComparison.Ordinal) && f.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Unregistered_predicates_wrong_action_options_and_unsafe_names_fail_naming_the_policy()
    {
        var options = new RetentionOptions();
        var drop = Policy(RetentionAction.DropPartitions);
        drop.Predicate = "nowhere";
        options.Policies.Add(drop);
        var delete = Policy();
        delete.Name = "../etc";
        delete.MarkerColumn = "x";
        options.Policies.Add(delete);
        var failures = Failures(options);
        Assert.Contains(failures, f => f.Contains("Predicate 'nowhere' is not registered", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("Conditions and Predicate cannot apply", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("('../etc'): Name is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("only used by the Anonymize action", StringComparison.Ordinal));
    }
}
