// Escrow answers are compared after normalisation, so "Blue  Whale " matches
// "blue whale": leading and trailing white space dropped, inner runs of white space
// made one space, ASCII letters lower-cased. Other bytes (accented letters, other
// scripts) are kept as typed; UTF-8 case folding would need ICU for little gain.
#pragma once

#include <string>
#include <string_view>

namespace sealpost {

std::string NormaliseAnswer(std::string_view answer);

}  // namespace sealpost
