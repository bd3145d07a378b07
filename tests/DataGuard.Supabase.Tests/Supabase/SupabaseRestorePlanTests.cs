using DataGuard.Supabase.Database;

namespace DataGuard.Tests.Supabase;

/// <summary>The entries a Supabase restore keeps, from a table of contents as <c>pg_restore --list</c> prints it (PostgreSQL 15).</summary>
public class SupabaseRestorePlanTests
{
    private static readonly string[] Toc =
    [
        "4; 2615 16390 SCHEMA - auth supabase_admin",
        "5; 2615 16400 SCHEMA - storage supabase_admin",
        "2; 3079 16385 EXTENSION - pgcrypto ",
        "3; 3079 16386 EXTENSION - pg_graphql ",
        "3900; 0 0 COMMENT - EXTENSION pgcrypto ",
        "300; 1255 16420 FUNCTION auth uid() supabase_auth_admin",
        "210; 1259 16430 TABLE auth users supabase_auth_admin",
        "211; 1259 16440 TABLE auth schema_migrations supabase_auth_admin",
        "212; 1259 16450 TABLE public todos project_owner",
        "3500; 0 16430 TABLE DATA auth users supabase_auth_admin",
        "3502; 0 16450 TABLE DATA public todos project_owner",
        "3600; 2606 16460 CONSTRAINT auth users users_pkey supabase_auth_admin",
        "3610; 2620 16470 TRIGGER auth users on_auth_user_created supabase_auth_admin",
        "3611; 2620 16471 TRIGGER storage objects update_objects_updated_at supabase_storage_admin",
        "3620; 3256 16480 POLICY storage objects Avatar images are publicly accessible. supabase_storage_admin",
        "3630; 3466 16490 EVENT TRIGGER - issue_pg_cron_access postgres",
        "3640; 6104 16500 PUBLICATION - supabase_realtime postgres",
        "3641; 6106 16501 PUBLICATION TABLE public supabase_realtime todos postgres",
        "3700; 0 0 ACL - SCHEMA auth supabase_admin",
        "3701; 0 0 ACL - SCHEMA public pg_database_owner",
        "3702; 0 0 ACL public TABLE todos project_owner",
        "3800; 826 16510 DEFAULT ACL public DEFAULT PRIVILEGES FOR TABLES supabase_admin",
        "3801; 826 16511 DEFAULT ACL public DEFAULT PRIVILEGES FOR TABLES project_owner",
    ];

    [Fact]
    public void Into_a_plain_PostgreSQL_the_platform_schemas_come_along_without_their_grants()
    {
        var facts = Facts(schemas: ["public"], extensions: [], available: new() { ["pgcrypto"] = true });
        var plan = SupabaseDumpProfile.Plan(Toc, facts);
        Assert.False(plan.IntoSupabase);
        Assert.True(plan.CreatesExtensions);
        Assert.Equal(["pg_graphql"], plan.UnavailableExtensions);
        Assert.Equal(
            [
                "4; 2615 16390 SCHEMA - auth supabase_admin",
                "5; 2615 16400 SCHEMA - storage supabase_admin",
                "2; 3079 16385 EXTENSION - pgcrypto ",
                "300; 1255 16420 FUNCTION auth uid() supabase_auth_admin",
                "210; 1259 16430 TABLE auth users supabase_auth_admin",
                "211; 1259 16440 TABLE auth schema_migrations supabase_auth_admin",
                "212; 1259 16450 TABLE public todos project_owner",
                "3500; 0 16430 TABLE DATA auth users supabase_auth_admin",
                "3502; 0 16450 TABLE DATA public todos project_owner",
                "3600; 2606 16460 CONSTRAINT auth users users_pkey supabase_auth_admin",
                "3610; 2620 16470 TRIGGER auth users on_auth_user_created supabase_auth_admin",
                "3611; 2620 16471 TRIGGER storage objects update_objects_updated_at supabase_storage_admin",
                "3620; 3256 16480 POLICY storage objects Avatar images are publicly accessible. supabase_storage_admin",
                "3702; 0 0 ACL public TABLE todos project_owner",
                "3801; 826 16511 DEFAULT ACL public DEFAULT PRIVILEGES FOR TABLES project_owner",
            ],
            plan.Entries);
    }

    [Fact]
    public void Into_a_Supabase_project_only_the_rows_and_the_applications_own_triggers_and_policies_on_platform_tables_are_restored()
    {
        var facts = Facts(schemas: ["public", "auth", "storage", "extensions"], extensions: ["pgcrypto", "pg_graphql"], available: new() { ["pgcrypto"] = true, ["pg_graphql"] = false });
        facts.Triggers.Add("storage objects update_objects_updated_at");
        var plan = SupabaseDumpProfile.Plan(Toc, facts);
        Assert.True(plan.IntoSupabase);
        Assert.Empty(plan.UnavailableExtensions);
        Assert.Equal(
            [
                "212; 1259 16450 TABLE public todos project_owner",
                "3500; 0 16430 TABLE DATA auth users supabase_auth_admin",
                "3502; 0 16450 TABLE DATA public todos project_owner",
                "3610; 2620 16470 TRIGGER auth users on_auth_user_created supabase_auth_admin",
                "3620; 3256 16480 POLICY storage objects Avatar images are publicly accessible. supabase_storage_admin",
                "3701; 0 0 ACL - SCHEMA public pg_database_owner",
                "3702; 0 0 ACL public TABLE todos project_owner",
                "3801; 826 16511 DEFAULT ACL public DEFAULT PRIVILEGES FOR TABLES project_owner",
            ],
            plan.Entries);
        Assert.Contains(plan.Skipped, s => s.Key.StartsWith("event triggers", StringComparison.Ordinal));
        Assert.Contains(plan.Skipped, s => s.Key.StartsWith("the supabase_realtime publication", StringComparison.Ordinal) && s.Value.Count == 2);
    }

    [Theory]
    [InlineData("3500; 0 16430 TABLE DATA auth users supabase_auth_admin", "TABLE DATA", "auth", "users", "supabase_auth_admin")]
    [InlineData("3800; 826 16510 DEFAULT ACL public DEFAULT PRIVILEGES FOR TABLES supabase_admin", "DEFAULT ACL", "public", "DEFAULT PRIVILEGES FOR TABLES", "supabase_admin")]
    [InlineData("3630; 3466 16490 EVENT TRIGGER - issue_pg_cron_access postgres", "EVENT TRIGGER", null, "issue_pg_cron_access", "postgres")]
    [InlineData("300; 1255 16420 FUNCTION public f(a integer, b text) project_owner", "FUNCTION", "public", "f(a integer, b text)", "project_owner")]
    public void Table_of_contents_lines_are_parsed(string line, string desc, string? ns, string tag, string owner)
    {
        var entry = TocEntry.Parse(line)!;
        Assert.Equal((desc, ns, tag, owner), (entry.Desc, entry.Namespace, entry.Tag, entry.Owner));
        Assert.Null(TocEntry.Parse(";     Dumped from database version 15.8"));
    }

    private static RestoreTargetFacts Facts(string[] schemas, string[] extensions, Dictionary<string, bool> available)
    {
        var facts = new RestoreTargetFacts { User = "project_owner", CreateRole = true, ServerVersion = 150008 };
        facts.Schemas.UnionWith(schemas);
        facts.Extensions.UnionWith(extensions);
        foreach (var (name, trusted) in available)
        {
            facts.Available[name] = trusted;
        }

        return facts;
    }
}
