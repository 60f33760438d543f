using Microsoft.Extensions.Options;

namespace SkillInference.Caching;

/// <summary>Validates <see cref="InferenceCacheOptions"/> at start-up (source-generated from its attributes).</summary>
[OptionsValidator]
internal sealed partial class InferenceCacheOptionsValidator : IValidateOptions<InferenceCacheOptions>;
