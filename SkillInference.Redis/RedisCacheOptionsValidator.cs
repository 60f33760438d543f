using Microsoft.Extensions.Options;

namespace SkillInference.Redis;

/// <summary>Validates <see cref="RedisCacheOptions"/> at start-up (source-generated from its attributes).</summary>
[OptionsValidator]
internal sealed partial class RedisCacheOptionsValidator : IValidateOptions<RedisCacheOptions>;
