#include <gtest/gtest.h>
#include "prose/pc8/codec.h"
#include "prose/pc8/schema.h"
TEST(Pc8Smoke, SchemaCompiles) { EXPECT_FALSE(prose::pc8::schema_text().empty()); }
