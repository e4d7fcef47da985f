"""The second-level acceptance desk (二级受理台, seed 001 chapter 4; REQUIREMENTS C1–C12).

A unit operator's pages over `tickets`: receive or return what the center sent down
(接单/退单), the orders in repair (维修中: assign 指派, late return 后期退单, feedback 反馈),
complaints, suggestions and reports (投诉、建议、举报), a query of the unit's orders, the
details of one and its printable work order. Every change goes through
`tickets.actions` / `tickets.batch`; this app parses, calls and renders.
"""
