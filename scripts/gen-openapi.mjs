console.log("gen-openapi: pending")
