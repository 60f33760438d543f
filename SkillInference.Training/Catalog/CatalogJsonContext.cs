using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace SkillInference.Catalog;

/// <summary>JSON of skill catalogs: unknown properties are errors (a typo must not be silently ignored).</summary>
/// <remarks>Reflection-based so that optional fields absent from the file keep their documented defaults.</remarks>
internal sealed class CatalogJsonContext
{
    private CatalogJsonContext()
    {
        var options = new JsonSerializerOptions
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
            ReadCommentHandling = JsonCommentHandling.Skip,
            AllowTrailingCommas = true,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        };
        options.MakeReadOnly();
        CatalogDocument = (JsonTypeInfo<SkillCatalog.CatalogDocument>)options.GetTypeInfo(typeof(SkillCatalog.CatalogDocument));
    }

    public static CatalogJsonContext Default { get; } = new();

    public JsonTypeInfo<SkillCatalog.CatalogDocument> CatalogDocument { get; }
}
