using DataGuard.DependencyInjection;
using DataGuard.Postgres.Export;
using Microsoft.Extensions.DependencyInjection;

namespace DataGuard.IntegrationTests.Export.Coverage;

/// <summary>Subjects in another schema than their data, with uuid, text and bigint keys, and a composite join key.</summary>
public sealed class CrossSchemaExportTests
{
    [Fact]
    public async Task A_subject_in_the_auth_schema_with_uuid_keys_is_found_in_public_tables_and_the_unlinked_one_is_reported()
    {
        await using var harness = await ExportHarness.CreateAsync(
            schema: CrossSchemaFixture.Schema,
            configure: o => (o.Subject.Table, o.Subject.Key) = ("auth.users", "id"));
        var map = await harness.Services.GetRequiredService<SubjectExports>().MapAsync();
        Assert.Equal(["public.activity.user_id"], map.ProbableLinks.Select(p => p.Name));
        Assert.Equal(["auth.users", "public.membership_grants", "public.memberships", "public.posts", "public.profiles"], map.Tables.Select(t => t.Table.QualifiedName).Order(StringComparer.Ordinal));

        var export = await CoverageCheck.ExportJsonAsync(harness, CrossSchemaFixture.Alice);
        async Task Same(string table, string oracle, params string[] columns) =>
            Assert.Equal(await CoverageCheck.OracleAsync(harness, oracle), CoverageCheck.Exported(export, table, columns));
        var alice = $"'{CrossSchemaFixture.Alice}'::uuid";
        await Same("auth.users", $"SELECT email FROM auth.users WHERE id = {alice}", "email");
        await Same("public.profiles", $"SELECT username FROM public.profiles WHERE id = {alice}", "username");
        await Same("public.posts", $"SELECT id FROM public.posts WHERE author_id = {alice}", "id");
        await Same("public.memberships", $"SELECT org_id FROM public.memberships WHERE user_id = {alice}", "org_id");
        await Same("public.membership_grants", $"SELECT id FROM public.membership_grants WHERE (user_id, org_id) IN (SELECT user_id, org_id FROM public.memberships WHERE user_id = {alice})", "id");
        Assert.All(export.GetProperty("tables").GetProperty("public.membership_grants").EnumerateArray(), g => Assert.Equal(CrossSchemaFixture.Alice, g.GetProperty("user_id").GetString()));
        Assert.False(export.GetProperty("tables").TryGetProperty("public.activity", out _));
        var coverage = export.GetProperty("coverage").EnumerateArray().ToDictionary(c => c.GetProperty("table").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal("probable-link", coverage["public.activity"]);
        Assert.Equal("included", coverage["public.posts"]);
        Assert.Equal("not-linked", coverage["public.orgs"]);

        await using var strict = await ExportHarness.CreateAsync(
            schema: CrossSchemaFixture.Schema,
            configure: o => (o.Subject.Table, o.Subject.Key, o.Strict) = ("auth.users", "id", true));
        var refused = await Assert.ThrowsAnyAsync<DataGuardException>(() => CoverageCheck.ExportJsonAsync(strict, CrossSchemaFixture.Alice));
        Assert.Contains("public.activity.user_id (uuid)", refused.Message, StringComparison.Ordinal);

        await using var linked = await ExportHarness.CreateAsync(
            schema: CrossSchemaFixture.Schema,
            configure: o => (o.Subject.Table, o.Subject.Key, o.Strict) = ("auth.users", "id", true),
            more: services => services.AddDataGuard().AddExportLink("public.activity.user_id", "auth.users.id"));
        var complete = await CoverageCheck.ExportJsonAsync(linked, CrossSchemaFixture.Alice);
        Assert.Equal(await CoverageCheck.OracleAsync(linked, $"SELECT id FROM public.activity WHERE user_id = {alice}"), CoverageCheck.Exported(complete, "public.activity", "id"));
    }

    [Theory]
    [InlineData("bigint", "9007199254740993", "5000000000")]
    [InlineData("text", "alice", "Bob's")]
    [InlineData("uuid", "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b")]
    public async Task Keys_of_every_type_find_the_subjects_partitioned_rows_and_the_probable_link(string type, string first, string second)
    {
        await using var harness = await ExportHarness.CreateAsync(
            schema: CrossSchemaFixture.Keyed(type, [first, second]),
            configure: o => (o.Subject.Table, o.Subject.Key) = ("identity.members", "member_key"));
        var map = await harness.Services.GetRequiredService<SubjectExports>().MapAsync();
        Assert.Equal(["public.member_notes.member_id"], map.ProbableLinks.Select(p => p.Name));
        var (sample, rows) = await harness.Services.GetRequiredService<SubjectExports>().ProbableLinkRowsAsync(map, second);
        Assert.Equal(second, sample);
        Assert.Equal([1L], rows);

        foreach (var key in new[] { first, second })
        {
            var export = await CoverageCheck.ExportJsonAsync(harness, key);
            var literal = $"'{key.Replace("'", "''", StringComparison.Ordinal)}'::{type}";
            Assert.Equal(await CoverageCheck.OracleAsync(harness, $"SELECT id FROM public.events WHERE member_key = {literal}"), CoverageCheck.Exported(export, "public.events", "id"));
            Assert.Equal(12, CoverageCheck.Exported(export, "public.events", "id").Count);
            // member_key is named like a secret ("key"), so it is redacted; the name tells whose row it is.
            Assert.Equal(["member " + key], CoverageCheck.Exported(export, "identity.members", "name"));
        }
    }
}
