using Microsoft.Extensions.Options;

namespace SkillInference.GoogleCloud.Storage;

/// <summary>Validates <see cref="GcsModelStoreOptions"/> at start-up (source-generated from its attributes, plus its own checks).</summary>
[OptionsValidator]
internal sealed partial class GcsModelStoreOptionsValidator : IValidateOptions<GcsModelStoreOptions>
{
    /// <summary>Throws when the options are invalid (for stores built without a host, e.g. by the CLI).</summary>
    /// <exception cref="OptionsValidationException">Lists every problem.</exception>
    public static void ThrowIfInvalid(GcsModelStoreOptions options)
    {
        var result = new GcsModelStoreOptionsValidator().Validate(Options.DefaultName, options);
        if (result.Failed)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(GcsModelStoreOptions), result.Failures);
        }
    }
}
