using DataGuard.Postgres.Catalog;

namespace DataGuard.Postgres.Tests.Retention;

/// <summary>Catalog objects built in memory, for planners and SQL builders that would otherwise read them from PostgreSQL.</summary>
internal static class InMemoryCatalog
{
    public static PgRelation Table(uint oid, string name, params uint[] parents) => Relation(oid, name, 'r', parents);

    public static PgRelation Relation(uint oid, string name, char kind, uint[] parents, string accessMethod = "heap")
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return new PgRelation(oid, name[..dot], name[(dot + 1)..], kind, kind is 'r' or 'm' ? accessMethod : string.Empty, parents);
    }

    public static PgRelationGraph Graph(params PgRelation[] relations) => PgRelationGraph.Create(relations, []);
}
