using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SkillInference.GoogleCloud.Storage;
using SkillInference.Registry;

namespace SkillInference.Cli.Commands;

/// <summary>Opens the store a <c>--store</c> value names: <c>gs://BUCKET/PREFIX</c> is a Cloud Storage store, anything else a folder.</summary>
internal static class ModelStores
{
    public static IModelStore Open(string location)
    {
        ArgumentException.ThrowIfNullOrEmpty(location);
        if (!GcsModelStoreOptions.IsGcsUri(location))
        {
            return new FileSystemModelStore(location);
        }

        try
        {
            return new GcsModelStore(GcsModelStoreOptions.FromUri(location));
        }
        catch (OptionsValidationException ex)
        {
            throw new ArgumentException($"--store {location}: {string.Join(" ", ex.Failures)}", nameof(location), ex);
        }
    }

    /// <summary>Serves from the store <paramref name="location"/> names (the container disposes it).</summary>
    public static SkillInferenceBuilder UseModelStore(this SkillInferenceBuilder builder, string location)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (GcsModelStoreOptions.IsGcsUri(location))
        {
            var parsed = GcsModelStoreOptions.FromUri(location);
            return builder.UseGcsModelStore(o =>
            {
                o.Bucket = parsed.Bucket;
                o.Prefix = parsed.Prefix;
            });
        }

        builder.Services.Replace(ServiceDescriptor.Singleton<IModelStore>(_ => new FileSystemModelStore(location)));
        return builder;
    }
}
